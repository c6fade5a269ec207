// Command ferretdbd runs an embedded FerretDB (SQLite backend) for
// ferrettest when the tests run it out of process. It listens on a loopback
// port, prints "listening <mongodb URI>" on stdout once it accepts
// connections, logs errors to stderr, and exits when its standard input is
// closed (so it never outlives the test process) or on a signal.
//
//	ferretdbd -dir /path/to/data
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", "", "data directory (SQLite files)")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdbd: -dir is required")
		os.Exit(2)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(*dir) + "/",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdbd: %v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	go func() {
		fmt.Printf("listening %s\n", f.MongoDBURI()) // waits until the listener is ready
	}()
	_ = f.Run(ctx)
}
