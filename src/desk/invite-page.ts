/**
 * The page an invite link opens (`/invite#code=…`). No inline script (the CSP allows only the
 * gateway's files): /js/invite.js takes the code out of the address bar and history, exchanges it
 * with `POST /api/auth/invite`, and goes to `/`, or says why the link no longer works.
 */
export const INVITE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>kite-relay invite</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/style.css">
</head>
<body class="invite-page">
<main class="panel invite">
<h1>kite-relay</h1>
<p id="invite-message">Opening your invite…</p>
<p id="invite-help" class="muted" hidden></p>
<p id="invite-actions" hidden>
<button id="invite-retry" type="button" hidden>Try again</button>
<a id="invite-home" href="/" hidden>Open the dashboard</a>
</p>
<noscript><p>This page needs JavaScript to open the invite.</p></noscript>
</main>
<script type="module" src="/js/invite.js"></script>
</body>
</html>
`;
