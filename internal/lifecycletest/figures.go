package lifecycletest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Figures are the resources a process holds that a leak makes grow.
type Figures struct {
	Goroutines int
	OpenFiles  int // entries of /proc/self/fd
	RedisConns int // Redis connections named as the server's (CLIENT LIST)
}

func (f Figures) String() string {
	return fmt.Sprintf("%d goroutines, %d open files, %d Redis connections", f.Goroutines, f.OpenFiles, f.RedisConns)
}

// Within reports whether f is no more than tol above base in every figure.
func (f Figures) Within(base, tol Figures) bool {
	return f.Goroutines <= base.Goroutines+tol.Goroutines &&
		f.OpenFiles <= base.OpenFiles+tol.OpenFiles &&
		f.RedisConns <= base.RedisConns+tol.RedisConns
}

// Measure reads this process's figures, counting the Redis connections
// whose client name is name.
func Measure(ctx context.Context, admin redis.UniversalClient, name string) (Figures, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return Figures{}, err
	}
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		return Figures{}, fmt.Errorf("CLIENT LIST: %w", err)
	}
	conns := 0
	for _, line := range strings.Split(list, "\n") {
		for _, field := range strings.Fields(line) {
			if field == "name="+name {
				conns++
			}
		}
	}
	return Figures{Goroutines: runtime.NumGoroutine(), OpenFiles: len(fds), RedisConns: conns}, nil
}
