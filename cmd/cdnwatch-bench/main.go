// Command cdnwatch-bench measures cdnwatch against the simulator and writes BENCHMARKS.md.
// `make bench` runs it; see shared/bench.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"cdnwatch/shared/bench"
	_ "cdnwatch/shared/provider/all"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "where to write the report")
	latency := flag.Duration("latency", 40*time.Millisecond, "latency the simulator adds to every call")
	watches := flag.Int("watches", 20, "simulated deploys in the delay comparison")
	poll := flag.String("poll", "", "only measure polls and print them: PROVIDER:IDS (e.g. aliyun-cdn:3000), PROVIDER (its poll-rate table rows) or all; comma-separated")
	faults := flag.Float64("faults", 0, "with -poll PROVIDER:IDS: fraction of calls the simulator answers 503")
	clients := flag.Int("clients", 1, "with -poll PROVIDER:IDS: clients polling one account at once, each at its share")
	delayOnly := flag.Bool("delay", false, "only measure notice delay and API cost (every shape and poller), and print it")
	startup := flag.Int("startup", 0, "only compare the function binaries' start and memory with hello-worlds, N runs each, and print it")
	flag.Parse()
	if *delayOnly {
		logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
		if err := bench.WriteDelayReport(context.Background(), os.Stdout, "aliyun-cdn", *watches, 30, logf); err != nil {
			fmt.Fprintln(os.Stderr, "cdnwatch-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *startup > 0 {
		if err := bench.PrintStartup(context.Background(), os.Stdout, *startup); err != nil {
			fmt.Fprintln(os.Stderr, "cdnwatch-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *poll != "" {
		if err := bench.PrintPoll(context.Background(), os.Stdout, *poll, *latency, *faults, *clients); err != nil {
			fmt.Fprintln(os.Stderr, "cdnwatch-bench:", err)
			os.Exit(1)
		}
		return
	}
	var buf bytes.Buffer
	if err := bench.Run(context.Background(), &buf, bench.Options{Latency: *latency, Watches: *watches, Log: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "cdnwatch-bench:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "cdnwatch-bench:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
}
