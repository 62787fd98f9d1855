/**
 * The history of order-service's stored offset, while a fault runs: a trigger on consumer_offsets
 * records every move of last_offset with the session that made it (the applier's application_name
 * is `<INSTANCE_ID> applier`). It shows who applied what, in which order, and that each move
 * started where the previous one ended: the fence at work.
 */
import type pg from 'pg';

export interface OffsetMove {
  seq: number;
  /** The order instance whose applier moved it (`order-1`), or the session's whole application_name. */
  writer: string;
  /** The stream (partition of a super stream) whose offset moved. */
  stream: string;
  from: string | null;
  to: string | null;
  generation: number;
}

export interface OffsetHistory {
  moves(): Promise<OffsetMove[]>;
  remove(): Promise<void>;
}

const TABLE = 'chaos_offset_moves';
const FUNCTION = 'chaos_record_offset_move';

async function drop(pool: pg.Pool): Promise<void> {
  await pool.query(`DROP TRIGGER IF EXISTS ${TABLE} ON consumer_offsets`);
  await pool.query(`DROP FUNCTION IF EXISTS ${FUNCTION}()`);
  await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
}

/** Creates the table and the trigger (after dropping what an interrupted run left). */
export async function recordOffsetHistory(pool: pg.Pool): Promise<OffsetHistory> {
  await drop(pool);
  await pool.query(`CREATE TABLE ${TABLE} (
    seq bigserial PRIMARY KEY,
    application_name text NOT NULL,
    stream text NOT NULL,
    from_offset bigint,
    to_offset bigint,
    generation integer NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await pool.query(`CREATE FUNCTION ${FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${TABLE} (application_name, stream, from_offset, to_offset, generation)
      VALUES (current_setting('application_name'), NEW.stream, OLD.last_offset, NEW.last_offset, NEW.generation);
      RETURN NULL;
    END $$`);
  await pool.query(`CREATE TRIGGER ${TABLE} AFTER UPDATE OF last_offset ON consumer_offsets
    FOR EACH ROW WHEN (OLD.last_offset IS DISTINCT FROM NEW.last_offset) EXECUTE FUNCTION ${FUNCTION}()`);
  return {
    async moves() {
      const { rows } = await pool.query<{ seq: string; application_name: string; stream: string; from_offset: string | null; to_offset: string | null; generation: number }>(
        `SELECT seq, application_name, stream, from_offset, to_offset, generation FROM ${TABLE} ORDER BY seq`,
      );
      return rows.map((row) => ({
        seq: Number(row.seq),
        writer: / applier$/.test(row.application_name) ? row.application_name.replace(/ applier$/, '') : row.application_name,
        stream: row.stream,
        from: row.from_offset,
        to: row.to_offset,
        generation: row.generation,
      }));
    },
    remove: () => drop(pool),
  };
}

export interface FenceCheck {
  victimMovesBefore: number;
  successorMoves: number;
  /** Moves by the victim after the successor's first one: must be none. */
  victimMovesAfterTakeover: number;
  problems: string[];
}

/**
 * What the history must show when `victim` was active, froze, and `successor` took over: the victim
 * moved the offset before (the record works), the successor after, the victim never after the
 * successor's first move, nobody else at all, and every move starting where the previous one ended.
 * Pure.
 */
export function checkFence(moves: readonly OffsetMove[], victim: string, successor: string): FenceCheck {
  const problems: string[] = [];
  const takeover = moves.findIndex((move) => move.writer === successor);
  const before = takeover < 0 ? moves : moves.slice(0, takeover);
  const after = takeover < 0 ? [] : moves.slice(takeover);
  const victimMovesBefore = before.filter((move) => move.writer === victim).length;
  const late = after.filter((move) => move.writer === victim);
  if (victimMovesBefore === 0) problems.push(`no move of the offset by ${victim} was recorded before the takeover: the record proves nothing`);
  if (takeover < 0) problems.push(`${successor} never moved the offset`);
  for (const move of late) problems.push(`${victim} moved the offset ${move.from} → ${move.to} after ${successor} took over (move #${move.seq})`);
  for (const move of moves) if (move.writer !== victim && move.writer !== successor) problems.push(`the offset was moved by ${move.writer} (move #${move.seq})`);
  problems.push(...discontinuities(moves));
  return { victimMovesBefore, successorMoves: after.filter((move) => move.writer === successor).length, victimMovesAfterTakeover: late.length, problems };
}

export interface PartitionFenceCheck {
  victimMovesBefore: number;
  /** Moves by the other instances, after each stream's takeover. */
  othersMoves: number;
  /** Moves by the victim after a stream's takeover but before its thaw: must be none. */
  victimMovesWhileFrozen: number;
  /** Moves by the victim after its thaw, on a partition the broker gave back to it: allowed, continuous. */
  victimMovesAfterThaw: number;
  problems: string[];
}

/**
 * The same on a super stream, per partition: `victim` held `streams` when it froze, and other
 * instances took them over while it was frozen. For each of those streams: someone else moved it
 * after the freeze, the victim never between that takeover and `thawSeq` (the last move recorded
 * before the thaw), and every move started where the previous one on the same stream ended. After
 * its thaw the victim may be given a partition back (the broker rebalances over the instances): its
 * moves then are fine if they continue where the others stopped. Pure.
 */
export function checkPartitionFences(moves: readonly OffsetMove[], victim: string, streams: readonly string[], thawSeq: number): PartitionFenceCheck {
  const problems: string[] = [];
  let victimMovesBefore = 0;
  let othersMoves = 0;
  let victimMovesWhileFrozen = 0;
  let victimMovesAfterThaw = 0;
  for (const stream of streams) {
    const ofStream = moves.filter((move) => move.stream === stream);
    const takeover = ofStream.findIndex((move) => move.writer !== victim);
    victimMovesBefore += (takeover < 0 ? ofStream : ofStream.slice(0, takeover)).filter((move) => move.writer === victim).length;
    if (takeover < 0) {
      problems.push(`no other instance moved the offset of ${stream} after ${victim} froze`);
      continue;
    }
    for (const move of ofStream.slice(takeover)) {
      if (move.writer !== victim) othersMoves++;
      else if (move.seq <= thawSeq) {
        victimMovesWhileFrozen++;
        problems.push(`${victim} moved the offset of ${stream} ${move.from} → ${move.to} after ${ofStream[takeover]!.writer} took it over (move #${move.seq})`);
      } else victimMovesAfterThaw++;
    }
    problems.push(...discontinuities(ofStream));
  }
  if (victimMovesBefore === 0) problems.push(`no move of an offset by ${victim} was recorded before the takeover: the record proves nothing`);
  return { victimMovesBefore, othersMoves, victimMovesWhileFrozen, victimMovesAfterThaw, problems };
}

/** Moves of one stream that do not start where the previous one (same generation) ended. */
function discontinuities(moves: readonly OffsetMove[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < moves.length; i++) {
    const [previous, move] = [moves[i - 1]!, moves[i]!];
    if (move.generation === previous.generation && move.from !== previous.to) {
      problems.push(`move #${move.seq} by ${move.writer} started at ${move.from}, not where move #${previous.seq} by ${previous.writer} ended (${previous.to})`);
    }
  }
  return problems;
}
