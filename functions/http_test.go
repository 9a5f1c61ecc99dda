package functions_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// post calls an HTTP function and returns the status and decoded envelope.
func post(t *testing.T, url, body string, header ...string) (int, map[string]json.RawMessage) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("POST %s answered %d with %q, not a JSON envelope", url, resp.StatusCode, raw)
	}
	return resp.StatusCode, env
}

func field[T any](t *testing.T, env map[string]json.RawMessage, key string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(env[key], &v); err != nil {
		t.Fatalf("envelope %v: %s: %v", env, key, err)
	}
	return v
}

func TestHTTPFunctions(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	listener := chattest.Dial(t, a.URL())
	listener.SignUp("listener")
	join(t, listener, "")

	status, env := post(t, a.URL()+"/signIn", `{"username":"script","password":"pw"}`)
	if status != 200 || field[string](t, env, "type") != "authorized" {
		t.Fatalf("signIn = %d %v", status, env)
	}
	auth := field[struct{ UserUUID, AccessKey string }](t, env, "authorized")

	status, env = post(t, a.URL()+"/channelMessage", `{"recipientUUID":"","message":"from curl"}`, "Authorization", "Bearer "+auth.AccessKey)
	if status != 200 || field[string](t, env, "type") != "channelMessage" {
		t.Fatalf("channelMessage = %d %v", status, env)
	}
	if m := field[message](t, env, "channelMessage"); m.Offset != 1 || m.SenderUUID != auth.UserUUID {
		t.Fatalf("answer = %+v, want the stored message, offset 1", m)
	}
	if m := msgOf(t, listener.Expect("channelMessage", noise...)); m.Message != "from curl" || m.Sender.Username != "script" {
		t.Fatalf("websocket client got %+v", m)
	}

	// Where Authorization carries a Google identity token, the key goes in X-Chat-Access-Key.
	status, env = post(t, a.URL()+"/users", ``, "Authorization", "Bearer google-identity-token", "X-Chat-Access-Key", auth.AccessKey)
	if status != 200 || field[struct{ Total int }](t, env, "users").Total != 2 {
		t.Fatalf("users = %d %v", status, env)
	}

	errorCases := []struct {
		name, path, body string
		header           []string
		status           int
	}{
		{"no access key", "/users", ``, nil, 401},
		{"unknown access key", "/users", ``, []string{"Authorization", "Bearer " + strings.Repeat("k", 43)}, 401},
		{"malformed JSON", "/channelMessage", `{"message":`, []string{"Authorization", "Bearer " + auth.AccessKey}, 400},
		{"missing payload", "/channelMessage", ``, []string{"Authorization", "Bearer " + auth.AccessKey}, 400},
		{"channelLeave without payload", "/channelLeave", ``, []string{"Authorization", "Bearer " + auth.AccessKey}, 400},
		{"unknown recipient", "/channelMessage", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111","message":"x"}`, []string{"Authorization", "Bearer " + auth.AccessKey}, 404},
		{"name taken", "/signUp", `{"username":"SCRIPT","password":"pw"}`, nil, 409},
		{"wrong password", "/signIn", `{"username":"script","password":"nope"}`, nil, 401},
		{"body too large", "/signIn", `{"username":"` + strings.Repeat("x", 70000) + `"}`, nil, 413},
	}
	for _, tc := range errorCases {
		status, env := post(t, a.URL()+tc.path, tc.body, tc.header...)
		e := field[chattest.ErrorPayload](t, env, "error")
		if status != tc.status || e.Code != tc.status || field[string](t, env, "type") != "error" {
			t.Errorf("%s: %d %+v, want %d with the error envelope", tc.name, status, e, tc.status)
		}
	}
	resp, err := http.Get(a.URL() + "/signIn")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /signIn = %d, want 405 with Allow: POST", resp.StatusCode)
	}

	// signOut revokes the key.
	if status, _ := post(t, a.URL()+"/signOut", ``, "Authorization", "Bearer "+auth.AccessKey); status != 200 {
		t.Fatalf("signOut = %d", status)
	}
	if status, _ := post(t, a.URL()+"/users", ``, "Authorization", "Bearer "+auth.AccessKey); status != 401 {
		t.Fatalf("users after signOut = %d, want 401", status)
	}
}

func TestHealth(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	get := func() (int, string) {
		resp, err := http.Get(a.URL() + "/health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get(); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("health = %d %s", status, body)
	}
	_ = a.Redis.Close()
	if status, _ := get(); status != 503 {
		t.Fatalf("health without Redis = %d, want 503", status)
	}
}
