/** The page the Kite callback answers with: tells the opener (exact origin) and closes, or goes to `/`. */
export function loginResultPage(origin: string, ok: boolean, message: string): string {
  const payload = JSON.stringify({ type: 'kite-login', ok, message }).replace(/</g, '\\u003c');
  const target = JSON.stringify(origin).replace(/</g, '\\u003c');
  const text = message.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kite-relay login</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui;background:#111;color:#eee;padding:2rem">
<p id="msg">${text}</p>
<script>
(function () {
  var payload = ${payload};
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage(payload, ${target});
    window.close();
  } else if (payload.ok) {
    window.location.replace('/');
  }
})();
</script>
</body></html>`;
}
