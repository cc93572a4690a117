/** The OpenAPI security scheme of Kite's `Authorization: token <api_key>:<access_token>` (the /kite routes). */
export const KITE_SCHEME = 'kite';
/** The OpenAPI tag of the /kite routes. */
export const KITE_TAG = 'kite compatibility';
