package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
)

// runMigrate runs "kiln migrate [-pkg PKG] <command> [arguments]": it
// builds the app's main package and runs it as "kiln migrate <command>
// [arguments]" (the app sees "kiln" as its program name, so its help and
// messages name the command the user typed), returning the app's exit
// status.
func runMigrate(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("kiln migrate", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // help and errors are reported below
	pkg := flags.String("pkg", ".", "the app's main `package`, as go build takes it: a directory such as ./cmd/myapp, or an import path")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: kiln migrate [-pkg PKG] <command> [arguments]

Builds the app's main package PKG and runs it as "APP migrate <command>
[arguments]": the app's main must hand that command line to migrate.CLI
(see docs/migrations.md). Run "kiln migrate help" for the app's commands:
up, down, redo, status, version, create.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			flags.SetOutput(stdout)
			flags.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "kiln migrate: %v; run \"kiln migrate -h\" for usage\n", err)
		return exitUsage
	}

	goCmd, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(stderr, "kiln migrate: cannot find the go command on PATH; kiln builds your app with it, so install Go (or build your app and run \"APP migrate …\" yourself)")
		return exitFailure
	}
	bin, cleanup, err := binaryPath(*pkg)
	if err != nil {
		fmt.Fprintln(stderr, "kiln migrate:", err)
		return exitFailure
	}
	defer cleanup()

	build := exec.Command(goCmd, "build", "-o", bin, *pkg)
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(stderr, "kiln migrate: building %s failed (%v); fix the errors above, or pass -pkg with your app's main package\n", *pkg, err)
		return exitFailure
	}

	app := exec.Command(bin, append([]string{"migrate"}, flags.Args()...)...)
	app.Args[0] = "kiln"
	app.Stdin, app.Stdout, app.Stderr = os.Stdin, stdout, stderr
	// Ctrl-C reaches the app from the terminal; a signal sent to kiln alone
	// (a supervisor's SIGTERM) is passed on. Either way kiln waits for the
	// app to finish, so its migration is rolled back or completed, not cut.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	if err := app.Start(); err != nil {
		fmt.Fprintf(stderr, "kiln migrate: cannot run the build of %s (%v); -pkg must name your app's main package (package main), such as ./cmd/myapp\n", *pkg, err)
		return exitFailure
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-signals:
				app.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	return exitStatus(app.Wait(), stderr)
}

// exitStatus is the app's exit status: its code, or 128 plus the signal
// that killed it, as shells report.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		fmt.Fprintln(stderr, "kiln migrate:", err)
		return exitFailure
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return exit.ExitCode()
}

// binaryPath returns where to build the app's package pkg: a directory in
// the user's cache named after the working directory and pkg, kept between
// runs so go build relinks only when something changed. Without a cache
// directory it is a temporary directory, which cleanup removes.
func binaryPath(pkg string) (path string, cleanup func(), err error) {
	name := "app"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, fmt.Errorf("find the working directory: %w", err)
	}
	if cache, err := os.UserCacheDir(); err == nil {
		sum := sha256.Sum256([]byte(wd + "\x00" + pkg))
		dir := filepath.Join(cache, "kiln", "build", hex.EncodeToString(sum[:8]))
		if err := os.MkdirAll(dir, 0o755); err == nil {
			return filepath.Join(dir, name), func() {}, nil
		}
	}
	dir, err := os.MkdirTemp("", "kiln-build-")
	if err != nil {
		return "", nil, fmt.Errorf("create a directory to build the app in: %w", err)
	}
	return filepath.Join(dir, name), func() { os.RemoveAll(dir) }, nil
}
