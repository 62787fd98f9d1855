import { describe, expect, it } from 'vitest';
import { foldEvents, verify, type Acknowledged, type CustomerState, type StreamEvent } from '../src/verify/fold.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

let offset = 0n;
function event(customerId: string, version: number, type: StreamEvent['type'], address?: string, eventId?: string): StreamEvent {
  offset++;
  return { offset, eventId: eventId ?? `e-${customerId}-${version}-${offset}`, type, customerId, version, address };
}
const state = (id: string, version: number, address: string, deleted = false): CustomerState => ({ id, version, address, deleted });
const mapOf = <T extends { id: string }>(...rows: T[]) => new Map(rows.map((row) => [row.id, row]));

/** A clean history: A created, moved twice, deleted; B created once. */
function cleanHistory() {
  const events = [
    event(A, 1, 'customer.created', 'a1'),
    event(B, 1, 'customer.created', 'b1'),
    event(A, 2, 'customer.address.updated', 'a2'),
    event(A, 3, 'customer.address.updated', 'a3'),
    event(A, 4, 'customer.deleted'),
  ];
  const source = mapOf(state(A, 4, 'a3', true), state(B, 1, 'b1'));
  const acknowledged = mapOf<Acknowledged>({ id: A, version: 4, deleted: true }, { id: B, version: 1, deleted: false });
  return { events, source, acknowledged };
}

describe('foldEvents', () => {
  it('orders by version and ignores older or repeated versions', () => {
    // Given events delivered out of order and twice
    const events = [
      event(A, 2, 'customer.address.updated', 'second'),
      event(A, 1, 'customer.created', 'first'),
      event(A, 2, 'customer.address.updated', 'second again'),
    ];
    // When
    const folded = foldEvents(events);
    // Then the highest version wins, once
    expect(folded.get(A)).toEqual(state(A, 2, 'second'));
  });

  it('keeps the last address of a deleted customer', () => {
    // Given
    const events = [event(A, 1, 'customer.created', 'home'), event(A, 2, 'customer.deleted')];
    // When
    const folded = foldEvents(events);
    // Then
    expect(folded.get(A)).toEqual(state(A, 2, 'home', true));
  });
});

describe('verify', () => {
  it('finds nothing wrong when stream, source and replica agree', () => {
    // Given
    const { events, source, acknowledged } = cleanHistory();
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events });
    // Then
    expect(result).toMatchObject({ customers: 2, eventsPublished: 5, eventsApplied: 5, lost: 0, duplicated: 0, mismatched: 0 });
    expect(result.problems).toEqual([]);
  });

  it('ignores events of customers the run did not touch', () => {
    // Given
    const { events, source, acknowledged } = cleanHistory();
    const other = event('00000000-0000-4000-8000-0000000000ff', 1, 'customer.created', 'x');
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: [...events, other, other] });
    // Then
    expect(result.duplicated).toBe(0);
    expect(result.eventsPublished).toBe(5);
  });

  it('counts a version missing from the stream as lost', () => {
    // Given the event of A's version 3 never reached the stream
    const { events, source, acknowledged } = cleanHistory();
    const gap = events.filter((e) => !(e.customerId === A && e.version === 3));
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: gap });
    // Then
    expect(result.lost).toBe(1);
    expect(result.problems.map((p) => p.kind)).toEqual(['missing_event']);
  });

  it('counts a version published twice as duplicated, whether or not the event id repeats', () => {
    // Given A's v2 twice with a fresh id, and B's v1 re-sent with its original id
    const { events, source, acknowledged } = cleanHistory();
    const again = [...events, event(A, 2, 'customer.address.updated', 'a2'), { ...events[1]!, offset: 99n }];
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: again });
    // Then 1 (A v2) + 1 (B v1 by version) + 1 (B v1 by event id)
    expect(result.duplicated).toBe(3);
    expect(result.lost).toBe(0);
  });

  it('counts a replica behind customer_db as lost and a different address as a mismatch', () => {
    // Given the replica missed A's last two changes and holds another address for B
    const { events, source, acknowledged } = cleanHistory();
    const replica = mapOf(state(A, 2, 'a2'), state(B, 1, 'elsewhere'));
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica, events });
    // Then
    expect(result.lost).toBe(2);
    expect(result.mismatched).toBe(1);
    expect(result.eventsApplied).toBe(3);
    expect(result.problems.map((p) => p.kind).sort()).toEqual(['replica_behind', 'replica_differs']);
  });

  it('counts a customer missing from the replica with all its versions', () => {
    // Given
    const { events, source, acknowledged } = cleanHistory();
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: mapOf(state(B, 1, 'b1')), events });
    // Then
    expect(result.lost).toBe(4);
    expect(result.problems[0]?.kind).toBe('missing_in_replica');
  });

  it('counts an acknowledged change that customer_db does not hold as lost', () => {
    // Given the client was told v4 (deleted) but customer_db stopped at v3 with no deletion
    const { events, acknowledged } = cleanHistory();
    const source = mapOf(state(A, 3, 'a3'), state(B, 1, 'b1'));
    const upToThree = events.filter((e) => e.version <= 3 || e.customerId !== A);
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: upToThree });
    // Then
    expect(result.lost).toBe(1);
    expect(result.problems.map((p) => p.kind)).toEqual(['acknowledged_change_lost']);
  });

  it('flags an event beyond customer_db (a phantom) and a replica ahead of it', () => {
    // Given B got a v2 event and replica row although customer_db never committed v2
    const { events, source, acknowledged } = cleanHistory();
    const phantom = [...events, event(B, 2, 'customer.address.updated', 'never')];
    const replica = mapOf(state(A, 4, 'a3', true), state(B, 2, 'never'));
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica, events: phantom });
    // Then
    expect(result.mismatched).toBe(2);
    expect(result.problems.map((p) => p.kind).sort()).toEqual(['phantom_event', 'replica_ahead']);
  });

  it('counts an acknowledged customer absent from customer_db as lost', () => {
    // Given
    const { events, source, acknowledged } = cleanHistory();
    source.delete(B);
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events });
    // Then
    expect(result.lost).toBe(1);
    expect(result.problems.map((p) => p.kind)).toEqual(['missing_in_customer_db']);
  });

  it('flags a complete stream whose fold differs from customer_db', () => {
    // Given every version once, but B's created event carries another address than customer_db
    const { events, source, acknowledged } = cleanHistory();
    const altered = events.map((e) => (e.customerId === B ? { ...e, address: 'other' } : e));
    // When
    const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: altered });
    // Then
    expect(result.mismatched).toBe(1);
    expect(result.problems.map((p) => p.kind)).toEqual(['stream_fold_differs']);
  });

  describe('after retention cut the start of the run (historyCut)', () => {
    it('counts the versions before the first retained one as retained out, not lost', () => {
      // Given A's first two events and all of B's gone with the first segments
      const { events, source, acknowledged } = cleanHistory();
      const retained = events.filter((e) => e.customerId === A && e.version >= 3);
      // When
      const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: retained, historyCut: true });
      // Then
      expect(result).toMatchObject({ lost: 0, duplicated: 0, mismatched: 0, retainedOut: 3 });
    });

    it('still finds a version missing after the first retained one', () => {
      const { events, source, acknowledged } = cleanHistory();
      const holed = events.filter((e) => !(e.customerId === A && (e.version === 1 || e.version === 3)));
      const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: holed, historyCut: true });
      expect(result).toMatchObject({ lost: 1, retainedOut: 1 });
      expect(result.problems.map((p) => `${p.kind} ${p.detail}`)).toEqual(['missing_event no event for v3 (customer_db at v4)']);
    });

    it('still checks the replica whole against customer_db', () => {
      const { source, acknowledged } = cleanHistory();
      const replica = mapOf(state(A, 4, 'a3', true));
      const result = verify({ customerIds: [A, B], acknowledged, source, replica, events: [], historyCut: true });
      expect(result).toMatchObject({ lost: 1, retainedOut: 5 });
      expect(result.problems.map((p) => p.kind)).toEqual(['missing_in_replica']);
    });

    it('on a super stream, only for the customers of a partition that was cut', () => {
      // Given A's first two events and all of B's gone, but only A's partition cut
      const { events, source, acknowledged } = cleanHistory();
      const retained = events.filter((e) => e.customerId === A && e.version >= 3);
      // When
      const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: retained, historyCut: (id) => id === A });
      // Then B's missing event is a loss
      expect(result).toMatchObject({ lost: 1, retainedOut: 2 });
      expect(result.problems.map((p) => `${p.kind} ${p.customerId}`)).toEqual([`missing_event ${B}`]);
    });

    it('is not assumed: without it the same stream is a loss', () => {
      const { events, source, acknowledged } = cleanHistory();
      const retained = events.filter((e) => e.customerId === A && e.version >= 3);
      const result = verify({ customerIds: [A, B], acknowledged, source, replica: new Map(source), events: retained });
      expect(result).toMatchObject({ lost: 3, retainedOut: 0 });
    });
  });
});
