import { decodeEvent } from '@demo/contract';
import type { StreamMessage } from '@demo/stream';
import type { ParkedEvent } from '../db/parked-events.js';
import { foldEvents, type PositionedEvent, type ReplicaRow } from '../domain/replica-fold.js';

/** A batch decoded and folded, ready for its statement. */
export interface PreparedBatch {
  events: PositionedEvent[];
  parked: ParkedEvent[];
  rows: ReplicaRow[];
}

/**
 * The pure part of applying a batch: decode each message, set the poison ones aside to be parked
 * with their reason, and fold the valid events into replica rows. `parkAs`: park every message
 * with this detail instead (reason apply_failed: an event the database refuses).
 */
export function prepareBatch(messages: readonly StreamMessage[], parkAs?: { detail: string }): PreparedBatch {
  const events: PositionedEvent[] = [];
  const parked: ParkedEvent[] = [];
  for (const message of messages) {
    const decoded = decodeEvent(message.body, message.annotations);
    if (parkAs) {
      parked.push({
        offset: message.offset,
        eventId: decoded.ok ? decoded.event.metadata.event_id : decoded.eventId,
        eventType: decoded.ok ? decoded.event.type : decoded.eventType,
        reason: 'apply_failed',
        detail: parkAs.detail,
        body: message.body,
        annotations: message.annotations,
      });
    } else if (decoded.ok) {
      events.push({ offset: message.offset, event: decoded.event });
    } else {
      parked.push({
        offset: message.offset,
        eventId: decoded.eventId,
        eventType: decoded.eventType,
        reason: decoded.reason,
        detail: decoded.detail,
        body: message.body,
        annotations: message.annotations,
      });
    }
  }
  return { events, parked, rows: [...foldEvents(events).values()] };
}
