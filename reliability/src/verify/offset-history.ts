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
    from_offset bigint,
    to_offset bigint,
    generation integer NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await pool.query(`CREATE FUNCTION ${FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${TABLE} (application_name, from_offset, to_offset, generation)
      VALUES (current_setting('application_name'), OLD.last_offset, NEW.last_offset, NEW.generation);
      RETURN NULL;
    END $$`);
  await pool.query(`CREATE TRIGGER ${TABLE} AFTER UPDATE OF last_offset ON consumer_offsets
    FOR EACH ROW WHEN (OLD.last_offset IS DISTINCT FROM NEW.last_offset) EXECUTE FUNCTION ${FUNCTION}()`);
  return {
    async moves() {
      const { rows } = await pool.query<{ seq: string; application_name: string; from_offset: string | null; to_offset: string | null; generation: number }>(
        `SELECT seq, application_name, from_offset, to_offset, generation FROM ${TABLE} ORDER BY seq`,
      );
      return rows.map((row) => ({
        seq: Number(row.seq),
        writer: / applier$/.test(row.application_name) ? row.application_name.replace(/ applier$/, '') : row.application_name,
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
  for (let i = 1; i < moves.length; i++) {
    const [previous, move] = [moves[i - 1]!, moves[i]!];
    if (move.generation === previous.generation && move.from !== previous.to) {
      problems.push(`move #${move.seq} by ${move.writer} started at ${move.from}, not where move #${previous.seq} by ${previous.writer} ended (${previous.to})`);
    }
  }
  return { victimMovesBefore, successorMoves: after.filter((move) => move.writer === successor).length, victimMovesAfterTakeover: late.length, problems };
}
