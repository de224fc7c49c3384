// One delivery as Relais' `standard` format and signer make it: the Standard Webhooks envelope of
// the bench event, signed, with the headers Relais sends. The raw limit and the peers (peers/)
// send exactly this, so every row of the bench puts the same bytes on the wire.
import { USER_AGENT } from '../src/core/request.ts';
import { signatureHeader } from '../src/core/signing.ts';
import { EVENT_TYPE } from './api.ts';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

export interface SignedDelivery { body: string; headers: Record<string, string> }

/** The delivery of an event with this data (eventData(n): the receiver reads `n` back), id `msgId`, stamped and signed now. */
export function signedDelivery(data: unknown, msgId: string): SignedDelivery {
  const timestampS = Math.floor(Date.now() / 1000);
  const body = `{"type":${JSON.stringify(EVENT_TYPE)},"timestamp":${JSON.stringify(new Date().toISOString())},"data":${JSON.stringify(data)}}`;
  return {
    body,
    headers: {
      'user-agent': USER_AGENT,
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(timestampS),
      'webhook-signature': signatureHeader([SECRET], { msgId, timestampS, body }),
    },
  };
}
