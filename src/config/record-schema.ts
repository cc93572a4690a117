import Joi from 'joi';

// The tape recorder's variables (docs/tape.md), kept apart from the main schema.

const SWITCH = ['on', 'off'];
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `123`, `512MiB`, `20GiB`, `1.5TiB` (KiB, MiB, GiB, TiB; K/M/G/T alone mean the same) as bytes, else undefined. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
  return Number.isSafeInteger(n) ? n : undefined;
}

const bytes = (fallback: string, min: number) =>
  Joi.string()
    .default(fallback)
    .custom((v: string, h) => {
      const n = parseBytes(v);
      return n === undefined || n < min ? h.message({ custom: 'bad' }) : v;
    })
    .messages({
      '*': `must be a size in bytes of at least ${min}, optionally with a unit (e.g. 512MiB, 20GiB, 1TiB)`,
    });

export const recordRules = {
  RECORD: Joi.string()
    .lowercase()
    .valid(...SWITCH)
    .default((env: { FEED_SOURCE: string }) => (env.FEED_SOURCE === 'kite' ? 'on' : 'off'))
    .messages({ '*': 'must be on or off (default: on when FEED_SOURCE=kite, off for the simulator)' }),
  RECORD_DIR: Joi.string().min(1),
  RECORD_ORDERS: Joi.string()
    .lowercase()
    .valid(...SWITCH)
    .default('off')
    .messages({ '*': 'must be on or off (order updates are private: off unless you need them on tape)' }),
  RECORD_RETENTION_DAYS: Joi.number()
    .integer()
    .min(1)
    .max(3650)
    .default(30)
    .messages({ '*': 'must be a whole number of days between 1 and 3650' }),
  RECORD_MAX_BYTES: bytes('20GiB', 1024 * 1024),
  RECORD_MIN_FREE_BYTES: bytes('1GiB', 0),
};
