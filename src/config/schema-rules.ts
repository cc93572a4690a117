import Joi from 'joi';

// The building blocks of the configuration schema (config.schema.ts): rules shared by several
// variables. Messages never include the value (a secret must not reach a log through its error).

const PLACEHOLDER_WORDS = [
  'change-this',
  'change_this',
  'changethis',
  'changeme',
  'change-me',
  'change_me',
  'replace-me',
  'replace_me',
  'replaceme',
  'placeholder',
  'your-secret',
  'your_secret',
  'your_kite',
  'your-kite',
  'fill-me',
  'fill_me',
  'xxxxxx',
];
const PLACEHOLDER_EXACT = new Set([
  'secret',
  'password',
  'jwt-secret',
  'jwt_secret',
  'test',
  'default',
  'example',
]);

/** True for values that are obviously a template's placeholder rather than a real secret. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  return PLACEHOLDER_EXACT.has(v) || PLACEHOLDER_WORDS.some((w) => v.includes(w));
}

export const prod = (then: Joi.Schema, otherwise?: Joi.Schema) =>
  Joi.when('NODE_ENV', { is: 'production', then, otherwise: otherwise ?? Joi.any() });

export const notPlaceholder = (what: string) =>
  Joi.string().custom((v: string, h) =>
    isPlaceholder(v) ? h.message({ custom: `is a placeholder: ${what}` }) : v,
  );

export const url = (schemes: string[]) => Joi.string().uri({ scheme: schemes });

const SECRET_FIX = 'generate one with `openssl rand -hex 32` (at least 32 characters)';

/** A production secret: required, at least 32 characters, not a placeholder nor one repeated character. */
export const strongSecret = () =>
  Joi.string()
    .required()
    .min(32)
    .custom((v: string, h) => {
      if (isPlaceholder(v)) return h.message({ custom: `is a placeholder; ${SECRET_FIX}` });
      if (/^(.)\1*$/.test(v)) return h.message({ custom: `is one character repeated; ${SECRET_FIX}` });
      return v;
    })
    .messages({
      'any.required': `is required in production; ${SECRET_FIX}`,
      'string.min': `is too short (fewer than 32 characters); ${SECRET_FIX}`,
      'string.empty': `is empty; ${SECRET_FIX}`,
    });

export const kiteUserIds = () =>
  Joi.string()
    .pattern(/^\s*[A-Za-z0-9]+(\s*,\s*[A-Za-z0-9]+)*\s*$/)
    .messages({
      'string.pattern.base': 'must be a comma-separated list of Kite user ids, e.g. AB1234,CD5678',
      'string.base': 'must be a comma-separated list of Kite user ids, e.g. AB1234,CD5678',
    });

export const port = (what: string) =>
  Joi.number()
    .integer()
    .min(0)
    .max(65535)
    .messages({ '*': `must be a TCP port number between 0 and 65535${what}` });

export const wholeNumber = (min: number, max: number, fallback: number) =>
  Joi.number()
    .integer()
    .min(min)
    .max(max)
    .default(fallback)
    .messages({ '*': `must be a whole number between ${min} and ${max}` });
