import {
  BadRequestException,
  Controller,
  Get,
  HttpException,
  Module,
  NotFoundException,
  Param,
  UseFilters,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KiteExceptionFilter } from './kite-exception.filter.js';
import { KiteException, kiteErrorTypeOf } from './kite-exception.js';

const SECRET = 'redis://relay:hunter2-s3cret@10.0.0.7:6379';

/** A /kite route that throws what it is told to, behind the filter as the real /kite controllers are. */
@Controller('kite')
@UseFilters(KiteExceptionFilter)
class ThrowingController {
  @Get('error')
  plainError(): never {
    throw new Error(`connect ECONNREFUSED ${SECRET}`);
  }

  @Get('string')
  notAnError(): never {
    throw `a bare string with ${SECRET}`; // eslint-disable-line @typescript-eslint/only-throw-error
  }

  @Get('not-found')
  notFound(): never {
    throw new NotFoundException('no such instrument route');
  }

  @Get('bad')
  bad(): never {
    throw new BadRequestException(['i must be given', 'i must be EXCHANGE:SYMBOL']);
  }

  @Get('status/:code')
  status(@Param('code') code: string): never {
    throw new HttpException(`status ${code}`, Number(code));
  }

  @Get('kite')
  kite(): never {
    throw new KiteException(403, 'PermissionException', 'refused as thrown');
  }
}

@Module({ controllers: [ThrowingController] })
class ThrowingModule {}

/** The application's log, as the filter writes to it. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(m: unknown) {
    this.lines.push(String(m));
  }
  error(m: unknown) {
    this.lines.push(String(m));
  }
  warn(m: unknown) {
    this.lines.push(String(m));
  }
}

describe('KiteExceptionFilter: every error under /kite in Kite’s envelope', () => {
  let app: INestApplication;
  let url = '';
  const logger = new CapturingLogger();
  const get = async (path: string) => {
    const res = await fetch(`${url}/kite/${path}`);
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
  };

  before(async () => {
    app = await NestFactory.create(ThrowingModule, { logger });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  after(async () => {
    await app?.close();
  });

  it('a plain Error is a 500 GeneralException with a fixed sentence: no stack, no detail, no secret', async () => {
    for (const path of ['error', 'string']) {
      const { status, text, body } = await get(path);
      assert.equal(status, 500, path);
      assert.deepEqual(body, {
        status: 'error',
        message: 'kite-relay failed to answer; try again',
        error_type: 'GeneralException',
        data: null,
      });
      assert.equal(text.includes('hunter2'), false, `${path}: the secret is not answered`);
      assert.equal(/ECONNREFUSED|\bat \w|\.ts:\d|\.js:\d/.test(text), false, `${path}: no stack or detail`);
    }
    // The detail stays in the log, for the operator.
    assert.ok(logger.lines.some((l) => l.includes('unexpected error under /kite: connect ECONNREFUSED')));
  });

  it('an HttpException keeps its status and message, with the error type kiteErrorTypeOf gives', async () => {
    const nf = await get('not-found');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, {
      status: 'error',
      message: 'no such instrument route',
      error_type: 'GeneralException',
      data: null,
    });
    assert.equal(kiteErrorTypeOf(404), 'GeneralException');
    const bad = await get('bad');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      status: 'error',
      message: 'i must be given; i must be EXCHANGE:SYMBOL',
      error_type: 'InputException',
      data: null,
    });
    const expected: Record<number, string> = {
      400: 'InputException',
      401: 'TokenException',
      403: 'TokenException',
      404: 'GeneralException',
      413: 'InputException',
      429: 'NetworkException',
      431: 'InputException',
      500: 'GeneralException',
      502: 'NetworkException',
      503: 'NetworkException',
      504: 'NetworkException',
    };
    for (const [code, type] of Object.entries(expected)) {
      const r = await get(`status/${code}`);
      assert.equal(r.status, Number(code));
      assert.equal(r.body.error_type, type, `HTTP ${code}`);
      assert.equal(r.body.error_type, kiteErrorTypeOf(Number(code)));
      assert.equal(r.body.message, `status ${code}`);
      assert.equal(r.body.status, 'error');
      assert.equal(r.body.data, null);
    }
  });

  it('a KiteException is answered as thrown', async () => {
    const r = await get('kite');
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, {
      status: 'error',
      message: 'refused as thrown',
      error_type: 'PermissionException',
      data: null,
    });
  });
});
