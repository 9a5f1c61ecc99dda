package faulttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/redischat/chat/internal/chattest"
)

// The life of a redis-server process: started, waited for, stopped,
// killed, frozen and thawed, and killed when the test ends.

// Start starts the process (again, after Stop or Kill) and waits until it
// answers PING, which it does only once its data is loaded.
func (r *Redis) Start() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatal(err)
	}
	if err := r.waitPing(10 * time.Second); err != nil {
		r.t.Fatalf("redis-server on %s: %v\n%s", r.Addr(), err, r.Log())
	}
}

// start starts the process; it does not wait for it to answer.
func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc != nil {
		return fmt.Errorf("redis-server on %s started twice", r.Addr())
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(r.bin, r.args()...)
	out := &chattest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server on %s: %w", r.Addr(), err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r.proc, r.out, r.exited = cmd, out, exited
	return nil
}

// waitPing polls PING (Redis announces nothing else) until it answers
// PONG, the process exits, or d passes.
func (r *Redis) waitPing(d time.Duration) error {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	return Poll(d, func() error {
		select {
		case <-exited:
			return errStop{errors.New("the process exited")}
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		return r.admin.Ping(ctx).Err()
	})
}

// Stop shuts Redis down gracefully (SHUTDOWN, which syncs the AOF) and
// waits for the process to exit.
func (r *Redis) Stop() {
	r.t.Helper()
	_, exited, err := r.current()
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.admin.Do(ctx, "SHUTDOWN").Err() // answers by closing the connection
	if err := r.await(exited, 10*time.Second, "SHUTDOWN"); err != nil {
		r.t.Fatalf("%v\n%s", err, r.Log())
	}
}

// Kill kills the process (SIGKILL), as a crash would, and waits for it.
func (r *Redis) Kill() {
	r.t.Helper()
	if err := r.kill(10 * time.Second); err != nil {
		r.t.Fatalf("%v\n%s", err, r.Log())
	}
}

// kill sends SIGKILL and waits up to d for the process to exit.
func (r *Redis) kill(d time.Duration) error {
	proc, exited, err := r.current()
	if err != nil {
		return err
	}
	_ = proc.Process.Signal(syscall.SIGKILL)
	return r.await(exited, d, "SIGKILL")
}

// signal sends sig to the running process: SIGSTOP freezes it (its
// sockets stay open, it reads and answers nothing), SIGCONT lets it go on.
func (r *Redis) signal(sig syscall.Signal) error {
	proc, _, err := r.current()
	if err != nil {
		return fmt.Errorf("signal %v: %w", sig, err)
	}
	if err := proc.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v to redis-server on %s: %w", sig, r.Addr(), err)
	}
	return nil
}

// running reports whether the harness has the process running.
func (r *Redis) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.proc != nil
}

// current returns the running process and its exit channel.
func (r *Redis) current() (*exec.Cmd, chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return nil, nil, fmt.Errorf("redis-server on %s is not running", r.Addr())
	}
	return r.proc, r.exited, nil
}

// await waits up to d, after how, for the process to exit, and forgets it.
func (r *Redis) await(exited chan struct{}, d time.Duration, how string) error {
	select {
	case <-exited:
	case <-time.After(d):
		return fmt.Errorf("redis-server on %s still running %s after %s", r.Addr(), d, how)
	}
	r.mu.Lock()
	r.proc = nil
	r.mu.Unlock()
	return nil
}

// cleanup kills the process if it runs and closes the admin client.
func (r *Redis) cleanup() {
	if r.running() {
		_ = r.kill(10 * time.Second)
	}
	r.bg.Wait()
	_ = r.admin.Close()
}
