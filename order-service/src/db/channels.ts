/**
 * The NOTIFY channels of the replica. The applier's statement notifies APPLIED_CHANNEL at commit
 * (payload: `<stream> <stored offset it reached>`; the stream is a partition of a super stream, or
 * the stream), a rebuild notifies REBUILD_CHANNEL (payload: the new generation); every instance
 * LISTENs to both.
 */
export const APPLIED_CHANNEL = 'replica_applied';
export const REBUILD_CHANNEL = 'replica_rebuild';
