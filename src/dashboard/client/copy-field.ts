import { $ } from './dom.js';

/**
 * A value to hand on (an invite link, a new token) in a read-only input with a Copy button: the
 * clipboard API where the browser allows it, else the input's text selected for Ctrl+C / ⌘C.
 */
export function showCopyField(prefix: string, value: string): void {
  const box = $(`${prefix}-result`);
  const input = $<HTMLInputElement>(`${prefix}-value`);
  const note = $(`${prefix}-copied`);
  input.value = value;
  note.textContent = '';
  box.hidden = false;
}

/** Wires the Copy button of a copy field once. */
export function wireCopyField(prefix: string): void {
  const input = $<HTMLInputElement>(`${prefix}-value`);
  const note = $(`${prefix}-copied`);
  input.addEventListener('focus', () => input.select());
  $(`${prefix}-copy`).addEventListener('click', () => {
    void copy(input.value).then((ok) => {
      if (ok) {
        note.textContent = 'Copied.';
        return;
      }
      input.focus();
      input.select();
      note.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    });
  });
}

async function copy(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
