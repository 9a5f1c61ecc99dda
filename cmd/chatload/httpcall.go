package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpFunctions calls the server's HTTP functions (POST /<type>, see
// docs/PROTOCOL.md "HTTP functions"), spread over the -url servers.
type httpFunctions struct {
	client *http.Client
	bases  []string // http(s)://host:port[/path], without /ws
}

func newHTTPFunctions(wsURLs []string, conns int, timeout time.Duration) *httpFunctions {
	h := &httpFunctions{client: &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxIdleConns: conns * len(wsURLs)},
	}}
	for _, s := range wsURLs {
		u, err := url.Parse(s) // wsURLs made it: it parses
		if err != nil {
			continue
		}
		u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
		u.Path = strings.TrimSuffix(u.Path, "/ws")
		h.bases = append(h.bases, u.String())
	}
	return h
}

// close drops the idle connections.
func (h *httpFunctions) close() { h.client.CloseIdleConnections() }

// httpError is a call answered with another status than 200.
type httpError struct {
	status int
	text   string // the error envelope's text, or the body's start
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.text) }

// call posts payload to /typ on server i (mod their number), with
// accessKey when it is not empty, and returns the answer's body.
func (h *httpFunctions) call(ctx context.Context, i int, typ, accessKey string, payload any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.bases[i%len(h.bases)]+"/"+typ, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if accessKey != "" {
		req.Header.Set("Authorization", "Bearer "+accessKey)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		text := parseError(data).Text
		if text == "" || text == "undecodable error frame" {
			text = fmt.Sprintf("%.200s", data)
		}
		return nil, &httpError{resp.StatusCode, text}
	}
	return data, nil
}

// signUp creates user username (with the tool's password) on server i.
func (h *httpFunctions) signUp(ctx context.Context, i int, username string) (savedKey, error) {
	data, err := h.call(ctx, i, "signUp", "", map[string]string{"username": username, "password": password})
	if err != nil {
		return savedKey{}, err
	}
	var auth struct {
		Authorized struct {
			UserUUID  string `json:"userUUID"`
			AccessKey string `json:"accessKey"`
		} `json:"authorized"`
	}
	if err := json.Unmarshal(data, &auth); err != nil || auth.Authorized.AccessKey == "" {
		return savedKey{}, fmt.Errorf("bad authorized answer: %.200s", data)
	}
	return savedKey{UUID: auth.Authorized.UserUUID, AccessKey: auth.Authorized.AccessKey, Username: username}, nil
}
