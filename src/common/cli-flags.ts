/** The value after `--name` in a command line's arguments, if the flag is there. */
export function cliFlag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
