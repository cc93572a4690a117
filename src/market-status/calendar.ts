import Joi from 'joi';
import { errorText } from '../common/error-text.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type SessionStatus = 'PRE_OPEN' | 'LIVE' | 'POST_CLOSE';
export interface Window {
  status: SessionStatus;
  start: string;
  end: string;
}

/** An exchange calendar: regular sessions, holidays and special sessions (e.g. Muhurat trading). */
export interface MarketCalendar {
  exchange: string;
  years: number[];
  sessions: Window[];
  holidays: { date: string; name: string }[];
  special_sessions: { date: string; name: string; windows: Window[] }[];
}

export const BUILTIN_CALENDAR_FILE = join(import.meta.dirname, 'calendars', 'nse.json');

const hhmm = Joi.string()
  .pattern(/^([01]\d|2[0-3]):[0-5]\d$/)
  .messages({ '*': '{#label} must be a time HH:MM' });
const date = Joi.string()
  .pattern(/^\d{4}-\d{2}-\d{2}$/)
  .custom((v: string, h) => (Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? h.error('any.invalid') : v))
  .messages({ '*': '{#label} must be a date YYYY-MM-DD' });
const windowSchema = Joi.object({
  status: Joi.string().valid('PRE_OPEN', 'LIVE', 'POST_CLOSE').required(),
  start: hhmm.required(),
  end: hhmm.required(),
}).custom((w: Window, h) =>
  w.start < w.end ? w : h.message({ custom: `${w.start}–${w.end}: start must be before end` }),
);

const calendarSchema = Joi.object({
  exchange: Joi.string().required(),
  years: Joi.array().items(Joi.number().integer().min(2000).max(2200)).min(1).required(),
  sessions: Joi.array().items(windowSchema).min(1).required(),
  holidays: Joi.array()
    .items(Joi.object({ date: date.required(), name: Joi.string().min(1).required() }))
    .required(),
  special_sessions: Joi.array()
    .items(
      Joi.object({
        date: date.required(),
        name: Joi.string().min(1).required(),
        windows: Joi.array().items(windowSchema).min(1).required(),
      }),
    )
    .default([]),
}).prefs({ errors: { wrap: { label: false } } });

/** Reads and validates a calendar file; throws an Error whose message names the file and the problem. */
export function loadCalendar(file: string): MarketCalendar {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? errorText(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: is not valid JSON (${errorText(err)})`);
  }
  const result = calendarSchema.validate(json, { abortEarly: false });
  const error = result.error;
  const value = result.value as unknown;
  if (error) throw new Error(`${file}: ${error.details.map((d) => d.message).join('; ')}`);
  return value as MarketCalendar;
}
