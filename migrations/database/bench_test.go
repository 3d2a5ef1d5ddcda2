package database_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// BenchmarkWriteConcurrent has 1, 8 or 32 goroutines write at once, each write a small insert
// and its audit event, with group commit ("group") and with every write committed alone
// ("alone", WithBatchLimits(1, …), the path before group commit), under both durabilities.
// It reports writes/s and the mean batch size. On PostgreSQL (VERITY_TEST_POSTGRES) only
// sync=full runs, since the server decides its durability.
//
//	go test -run '^$' -bench WriteConcurrent -count 3 ./migrations/database/
func BenchmarkWriteConcurrent(b *testing.B) {
	for _, durability := range []database.Sync{database.SyncFull, database.SyncNormal} {
		for _, mode := range []struct {
			name      string
			maxWrites int
		}{{"group", database.DefaultMaxBatchWrites}, {"alone", 1}} {
			for _, writers := range []int{1, 8, 32} {
				b.Run(fmt.Sprintf("sync=%s/%s/writers=%d", durability, mode.name, writers), func(b *testing.B) {
					if durability != database.SyncFull && os.Getenv(dbtest.PostgresEnv) != "" {
						b.Skip("PostgreSQL's durability is the server's")
					}
					benchmarkWrites(b, writers, database.WithSync(durability),
						database.WithBatchLimits(mode.maxWrites, database.DefaultMaxBatchBytes))
				})
			}
		}
	}
}

func benchmarkWrites(b *testing.B, writers int, opts ...database.Option) {
	var batches, writes atomic.Int64
	db := dbtest.Open(b, append(opts, database.WithBatchObserver(func(s database.BatchStats) {
		batches.Add(1)
		writes.Add(int64(s.Writes))
	}))...)
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				email := fmt.Sprintf("bench%d@example.org", i)
				err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
					if err := insertUser(ctx, tx, email, "viewer"); err != nil {
						return err
					}
					_, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: audit.System}, Action: "user.create", EntityType: "user", EntityID: email})
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	if n := batches.Load(); n > 0 {
		b.ReportMetric(float64(writes.Load())/float64(n), "writes/batch")
	}
}
