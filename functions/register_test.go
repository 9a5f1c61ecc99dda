package functions_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	_ "github.com/redischat/chat/functions" // registers the functions
	"github.com/redischat/chat/internal/chattest"
)

// TestFunctionsFrameworkServesEveryFunction runs the Functions Framework's
// own server (funcframework.Start, which cannot be stopped, hence a child
// process) and checks that it serves the registered functions at /<name>:
// /health (with the security headers), /signIn, /channelMessage and the
// websocket at /ws.
func TestFunctionsFrameworkServesEveryFunction(t *testing.T) {
	if port := os.Getenv("CHAT_FRAMEWORK_CHILD_PORT"); port != "" {
		if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := chattest.Config(t)
	port := fmt.Sprint(chattest.FreePort(t))
	child := exec.Command(os.Args[0], "-test.run=^TestFunctionsFrameworkServesEveryFunction$")
	child.Env = append(os.Environ(), "CHAT_FRAMEWORK_CHILD_PORT="+port, "FUNCTION_TARGET=",
		"KEY_PREFIX="+cfg.KeyPrefix, "BCRYPT_COST=4")
	child.Env = append(child.Env, chattest.RedisEnviron(cfg)...)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	base := "http://127.0.0.1:" + port

	deadline := time.Now().Add(chattest.Wait)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the framework's /health did not answer 200 within %s: %v", chattest.Wait, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a child process that has no readiness signal
	}
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the framework's /health has no security headers: %v", resp.Header)
	}
	ws := chattest.Dial(t, base)
	ws.SignUp("viaws")
	ws.Send("channelJoin", map[string]any{"recipientUUID": ""})
	ws.Expect("channelJoin", noise...)

	status, env := post(t, base+"/signIn", `{"username":"viahttp","password":"pw"}`)
	if status != 200 {
		t.Fatalf("/signIn = %d %v", status, env)
	}
	key := field[struct{ AccessKey string }](t, env, "authorized").AccessKey
	if status, env := post(t, base+"/channelMessage", `{"recipientUUID":"","message":"framework"}`, "Authorization", "Bearer "+key); status != 200 {
		t.Fatalf("/channelMessage = %d %v", status, env)
	}
	if m := msgOf(t, ws.Expect("channelMessage", noise...)); !strings.Contains(m.Message, "framework") {
		t.Fatalf("got %+v", m)
	}
}
