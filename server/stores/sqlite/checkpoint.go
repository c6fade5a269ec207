package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. SQLite's automatic checkpoint runs inside the commit that
// crosses wal_autocheckpoint pages, on the writer connection: every
// thousandth commit or so copies the WAL into the database file and syncs
// it while every create waits behind it, which costs a third of the write
// throughput and most of the p99. The writer therefore runs with automatic
// checkpoints off, and a checkpointer connection of its own copies the
// WAL in the background with PASSIVE checkpoints, which never block the
// writer or the readers. When the WAL grows past walRestartFrames anyway
// (a reader held an old snapshot, or the writer outran the checkpointer),
// a RESTART checkpoint waits for the writer to pause and lets the next
// transaction start the WAL over, so it stays bounded. Close ends with a
// TRUNCATE checkpoint.
const (
	checkpointEvery  = 500 * time.Millisecond
	walRestartFrames = 32768 // 128 MiB of 4 KiB pages
	// pruneEvery is how often jti records past their expiry are deleted;
	// MarkJTIUsed ignores them anyway, this only keeps the table small.
	pruneEvery = 10 * time.Minute
)

// runCheckpointer checkpoints until stop is closed.
func (s *Store) runCheckpointer(db *sql.DB, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	lastPrune := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if time.Since(lastPrune) >= pruneEvery {
			lastPrune = time.Now()
			s.pruneJTI(lastPrune)
		}
		frames, err := checkpoint(db, "PASSIVE")
		if err == nil && frames > walRestartFrames {
			_, _ = checkpoint(db, "RESTART")
		}
	}
}

// checkpoint runs one checkpoint of the given mode and returns the number
// of frames in the WAL. Failures (a busy database) are left to the next
// round.
func checkpoint(db *sql.DB, mode string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var busy, frames, done int64
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
	return frames, err
}

// pruneJTI deletes the jti records that expired before now, on the writer
// connection. A failure is left to the next round.
func (s *Store) pruneJTI(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.writer.ExecContext(ctx, `DELETE FROM jti WHERE expires_at <= ?`, now.Unix())
}
