// The Kite callback page's script, served as a file because the CSP allows no inline script: tells
// the dashboard that opened the popup (at PUBLIC_URL's exact origin, never `*`) and closes, or,
// without an opener, goes to the dashboard after a successful login.
const block = document.getElementById('login-result');
const data = JSON.parse(block?.textContent ?? '{}') as {
  payload?: { type: 'kite-login'; ok: boolean; message: string };
  target?: string;
};
if (data.payload && data.target) {
  if (window.opener && !(window.opener as Window).closed) {
    (window.opener as Window).postMessage(data.payload, data.target);
    window.close();
  } else if (data.payload.ok) {
    window.location.replace('/');
  }
}
