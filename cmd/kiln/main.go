// Command kiln is Kiln's command-line tool:
//
//	kiln migrate [-pkg PKG] <command> [arguments]   run the app's migrate command
//	kiln version                                   print kiln's version
//	kiln help                                      show the usage
//
// Install it with
//
//	go install github.com/kiln-web/kiln/cmd/kiln@latest
//
// # kiln migrate
//
// Go is compiled, so a separate tool cannot see an app's migrations (they
// are embedded in the app's binary) or, later, its models. kiln migrate
// therefore builds the app's main package PKG (default ".", in the current
// directory) and runs it as
//
//	APP migrate <command> [arguments]
//
// with the same environment (DATABASE_URL, …), input, output and exit
// status. The app's main must handle a first argument "migrate" by calling
// migrate.CLI's Main with the rest of the command line; see
// docs/migrations.md. An app that does not would start serving instead.
//
// The build is kept in the user's cache directory (one per app directory
// and package), so only what changed is compiled and linked again:
// running the command a second time costs about what "go run" does.
//
// Exit status: 0 on success, 2 for a bad kiln command line, 1 when the app
// cannot be built; for kiln migrate, otherwise the app's own.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the kiln command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch cmd := args[0]; cmd {
	case "migrate":
		return runMigrate(args[1:], stdout, stderr)
	case "version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "kiln version: unexpected argument %q; run \"kiln version\" alone\n", args[1])
			return exitUsage
		}
		fmt.Fprintln(stdout, version())
		return 0
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[1] == "migrate" {
			return runMigrate([]string{"-h"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "kiln: unknown command %q; the commands are migrate, version and help; run \"kiln help\" for usage\n", cmd)
		return exitUsage
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: kiln <command> [arguments]

Commands:
  migrate   run the app's migrate command (up, down, redo, status, version, create):
            "kiln migrate [-pkg PKG] <command> [arguments]" builds the app's main
            package PKG (default ".") and runs it as "APP migrate <command> [arguments]"
  version   print kiln's version
  help      show this help; "kiln help migrate" shows kiln migrate's

Run "kiln migrate help" for the migrate commands.
`)
}

// version is kiln's version line: the module version it was installed at
// ("devel" for a build from a checkout), the VCS revision when known, the
// Go version and the platform.
func version() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
		if rev != "" {
			v += " (" + rev + modified + ")"
		}
	}
	return fmt.Sprintf("kiln %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
