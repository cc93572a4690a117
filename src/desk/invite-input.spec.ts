import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inviteSub, parseInviteRequest } from './invite-input.js';

const NOW = Date.parse('2026-12-01T04:00:00Z');
const EXP = NOW / 1000 + 86400; // the caller's token: one more day

describe('invite requests', () => {
  it('defaults to 12h, trims, and keeps an optional from', () => {
    assert.deepEqual(parseInviteRequest({ name: '  Priya  ' }, EXP, NOW), {
      name: 'Priya',
      seconds: 43200,
      from: undefined,
    });
    assert.deepEqual(parseInviteRequest({ name: 'Ó Brien', ttl: '90m', from: 'Ravi' }, EXP, NOW), {
      name: 'Ó Brien',
      seconds: 5400,
      from: 'Ravi',
    });
    assert.equal(parseInviteRequest({ name: 'x', ttl: 600 }, EXP, NOW).seconds, 600);
  });

  it('refuses bad names, ttls and froms with a message that says what is wanted', () => {
    const bad = (body: unknown, re: RegExp) => assert.throws(() => parseInviteRequest(body, EXP, NOW), re);
    for (const name of [undefined, '', ' ', 'x'.repeat(65), 1, 'tab\there', 'zero\u200bwidth']) {
      bad({ name }, /^BadRequestException: name must be 1 to 64 characters/);
    }
    for (const ttl of ['0', '31d', 'x', '2w', true, null]) bad({ name: 'a', ttl }, /ttl must be/);
    for (const from of ['', null, 'y'.repeat(65)]) bad({ name: 'a', from }, /from must be/);
    bad(null, /name must be/);
  });

  it('without a ttl: 12h, or what the caller’s token has left if less', () => {
    assert.equal(parseInviteRequest({ name: 'a' }, NOW / 1000 + 43199, NOW).seconds, 43199);
    assert.equal(parseInviteRequest({ name: 'a' }, NOW / 1000 + 600, NOW).seconds, 600);
    assert.throws(() => parseInviteRequest({ name: 'a' }, NOW / 1000, NOW), /expires now; log in again/);
  });

  it('never outlives the caller’s token, to the second', () => {
    assert.equal(parseInviteRequest({ name: 'a', ttl: '86400' }, EXP, NOW).seconds, 86400);
    assert.throws(
      () => parseInviteRequest({ name: 'a', ttl: '86401' }, EXP, NOW),
      /would outlive the token that creates the invite \(it expires in 86400s\)/,
    );
    assert.throws(() => parseInviteRequest({ name: 'a', ttl: '1' }, NOW / 1000 - 5, NOW), /expires now/);
  });

  it('subjects: a readable slug of the name, made unique by the invite id, always a valid user name', () => {
    const id = 'AbC-_9xyzxyzxyzxyzxyzx';
    assert.equal(inviteSub('Priya Shah', id), 'invite:priya-shah.AbC-_9');
    assert.equal(inviteSub('Ó Brien (desk 2)', id), 'invite:o-brien-desk-2.AbC-_9');
    assert.equal(inviteSub('日本', id), 'invite:viewer.AbC-_9');
    assert.equal(inviteSub('...', id), 'invite:viewer.AbC-_9');
    const long = inviteSub('a'.repeat(64), id);
    assert.ok(long.length <= 64);
    for (const name of ['Priya Shah', '日本', 'x'.repeat(64), '--a--', 'a.b@c']) {
      assert.match(inviteSub(name, id), /^[\w.@:-]{1,64}$/, name);
    }
    assert.notEqual(inviteSub('Priya', id), inviteSub('Priya', 'zzzzzz' + id.slice(6)));
  });
});
