package functions

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/redischat/chat/chatcore"
)

// Every function is registered with the Functions Framework, so that a
// Functions Framework binary (funcframework.Start) or a deployment with
// FUNCTION_TARGET serves it: "ws", "health" and each message type, at
// /<name>. They share one Server, built on first use from the environment.
// Our own binaries (cmd/server, cmd/local) do not use this registry: they
// mount a Server on their own http.Server, which can shut down.
func init() {
	for _, name := range append([]string{"ws", "health"}, Names()...) {
		functions.HTTP(name, withSecurityHeaders(func(w http.ResponseWriter, r *http.Request) {
			s, err := frameworkServer()
			if err != nil {
				writeFrame(w, http.StatusInternalServerError, chatcore.ErrorFrame(chatcore.CodeInternal, "internal error", name))
				return
			}
			s.funcs[name](w, r)
		}))
	}
}

// frameworkServer is the Server of the Functions Framework registrations,
// built once; a failure is logged once and handed to every caller.
var frameworkServer = sync.OnceValues(func() (*Server, error) {
	s, err := serverFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat functions: cannot start:", err)
	}
	return s, err
})

func serverFromEnv() (*Server, error) {
	cfg, err := chatcore.LoadConfig()
	if err != nil {
		return nil, err
	}
	log := chatcore.NewLogger(os.Stderr, cfg)
	rdb, err := chatcore.NewRedisClient(cfg)
	if err != nil {
		return nil, err
	}
	node, err := chatcore.New(cfg, rdb, log)
	if err != nil {
		return nil, err
	}
	if err := node.Start(context.Background()); err != nil {
		return nil, err
	}
	return New(node)
}
