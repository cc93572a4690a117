/**
 * The page the Kite callback answers with. It carries no inline script (the CSP allows only the
 * gateway's own files): /js/login-result.js reads the JSON data block, tells the opener at its
 * exact origin and closes, or goes to `/`.
 */
export function loginResultPage(origin: string, ok: boolean, message: string): string {
  const data = JSON.stringify({ payload: { type: 'kite-login', ok, message }, target: origin }).replace(
    /</g,
    '\\u003c',
  );
  const text = message.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kite-relay login</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/style.css"></head>
<body class="login-result">
<p id="msg">${text}</p>
<script type="application/json" id="login-result">${data}</script>
<script type="module" src="/js/login-result.js"></script>
</body></html>`;
}
