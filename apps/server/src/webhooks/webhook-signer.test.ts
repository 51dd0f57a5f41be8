import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDelivery } from './webhook-signer';

describe('signDelivery', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks spec's test suite: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    const headers = signDelivery(key, {
      eventId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      eventType: 'message.new',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    });
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe('1614265330');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs "<t>.<body>" in X-Cariosan-Signature and names the event and attempt', () => {
    const key = Buffer.alloc(32, 7);
    const body = '{"id":"evt_1"}';
    const headers = signDelivery(key, {
      eventId: 'evt_1',
      eventType: 'message.new',
      timestamp: 1700000000,
      body,
      deliveryId: 'dlv_1',
      attempt: 3,
    });
    const hex = createHmac('sha256', key).update(`1700000000.${body}`).digest('hex');
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-cariosan-signature': `t=1700000000,v1=${hex}`,
      'x-cariosan-event-id': 'evt_1',
      'x-cariosan-event-type': 'message.new',
      'x-cariosan-timestamp': '1700000000',
      'x-cariosan-delivery-id': 'dlv_1',
      'x-cariosan-attempt': '3',
    });
  });
});
