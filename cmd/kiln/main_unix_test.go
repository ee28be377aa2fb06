//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMigratePassesThrough runs kiln migrate on a small app of the test's
// own that reports what it was given, to check the arguments, input,
// output and exit status pass through, and that a signal sent to kiln
// reaches the app, which kiln waits for.
func TestMigratePassesThrough(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := filepath.Join(dir, "cmd", "echoapp")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		filepath.Join(dir, "go.mod"): "module example.com/echoapp\n\ngo 1.26\n",
		filepath.Join(app, "main.go"): `package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	fmt.Printf("args %q\n", os.Args)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Printf("stdin %q\n", line)
	fmt.Fprintln(os.Stderr, "to stderr")
	if len(os.Args) > 2 && os.Args[2] == "wait" {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		fmt.Println("ready")
		<-c
		fmt.Println("terminated")
		os.Exit(7)
	}
	os.Exit(len(strings.Join(os.Args[2:], "")))
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(kilnBin, "migrate", "-pkg", "./cmd/echoapp", "status", "--all", "x y")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader("typed\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != len("status--allx y") {
		t.Fatalf("kiln migrate: %v, want exit status %d; stderr:\n%s", err, len("status--allx y"), stderr.String())
	}
	if want := "args [\"kiln\" \"migrate\" \"status\" \"--all\" \"x y\"]\nstdin \"typed\\n\"\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if stderr.String() != "to stderr\n" {
		t.Errorf("stderr %q", stderr.String())
	}

	// SIGTERM to kiln alone reaches the app; kiln exits with its status.
	// kiln and the app run in a process group of their own, killed whole
	// if they are still running after 30 seconds.
	cmd = exec.Command(kilnBin, "migrate", "-pkg", "./cmd/echoapp", "wait")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader("\n")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killAll := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	t.Cleanup(killAll)
	timer := time.AfterFunc(30*time.Second, killAll)
	defer timer.Stop()
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "ready" {
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	err = cmd.Wait()
	if !errors.As(err, &exit) || exit.ExitCode() != 7 || !slices.Equal(rest, []string{"terminated"}) {
		t.Fatalf("after SIGTERM to kiln: %v, output after ready %q; want exit status 7 and \"terminated\" (kiln and the app were killed after 30s if still running)", err, rest)
	}
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -TERM $$", 128 + int(syscall.SIGTERM)},
	} {
		var stderr bytes.Buffer
		if got := exitStatus(exec.Command("sh", "-c", tt.script).Run(), &stderr); got != tt.want {
			t.Errorf("%s: exit status %d, want %d", tt.script, got, tt.want)
		}
	}
	var stderr bytes.Buffer
	if got := exitStatus(errors.New("boom"), &stderr); got != 1 || stderr.String() != "kiln migrate: boom\n" {
		t.Errorf("exitStatus(boom) = %d, wrote %q", got, stderr.String())
	}
}
