// Package mototest starts moto_server (https://github.com/getmoto/moto), an independent
// implementation of the AWS APIs, for tests that check cdnwatch against it.
package mototest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// StartTimeout bounds how long Start waits for moto_server to answer.
const StartTimeout = 30 * time.Second

// Start runs moto_server on 127.0.0.1 with a free port for this test only, waits until
// it answers and returns its endpoint ("http://127.0.0.1:PORT"); the server is stopped
// when the test ends. The test is skipped when moto_server is not on PATH.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH (pip install 'moto[server]'); CI has it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// moto (boto underneath) must not look for credentials on a metadata service: tests
	// talk to loopback only.
	cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(StartTimeout); ; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v", err)
		}
	}
}
