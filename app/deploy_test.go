package app_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The examples in deploy/ are checked here: the systemd unit by systemd's
// own verifier and exposure score, the nginx and Caddy configurations by
// running them in front of a real kurz (nginx) or by Caddy's validator,
// and the Dockerfile by its structure (no container engine runs here).

// TestDeploySystemdUnit: the unit passes systemd-analyze verify and its
// hardening scores "OK" (exposure at most 2.0).
func TestDeploySystemdUnit(t *testing.T) {
	t.Parallel()
	requireTool(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("../deploy/kurz.service")
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart names an executable file.
	test := filepath.Join(t.TempDir(), "kurz.service")
	os.WriteFile(test, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/kurz", kurzBinary(t))), 0o644)
	if out, err := exec.Command("systemd-analyze", "verify", test).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", test).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for kurz.service: ([0-9.]+) (\w+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no exposure level:\n%s", out)
	}
	if score, _ := strconv.ParseFloat(m[1], 64); score > 2.0 || m[2] != "OK" {
		t.Fatalf("exposure %s %s, want OK (at most 2.0)\n%s", m[1], m[2], out)
	}
	for _, want := range []string{"User=kurz", "NoNewPrivileges=yes", "ProtectSystem=strict", "kurz serve --config"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kurz test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"kurz.example.org"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

func freePort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	return port
}

// TestDeployNginx: deploy/nginx.conf in front of a real kurz: the public
// TLS listener serves the site and answers 404 for the region link; the
// private listener passes the link to kurz and nothing else; plain HTTP
// redirects to HTTPS.
func TestDeployNginx(t *testing.T) {
	t.Parallel()
	requireTool(t, "nginx", "nginx-light")
	conf, err := os.ReadFile("../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	startProcess(t, addr, "--data", t.TempDir())
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	httpPort, httpsPort, linkPort := freePort(t), freePort(t), freePort(t)
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(conf)))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "listen [::]") {
			continue // the test host may have no IPv6
		}
		l = strings.ReplaceAll(l, "127.0.0.1:8080", addr)
		l = strings.ReplaceAll(l, "listen 80;", "listen 127.0.0.1:"+httpPort+";")
		l = strings.ReplaceAll(l, "listen 443 ", "listen 127.0.0.1:"+httpsPort+" ")
		l = strings.ReplaceAll(l, "10.0.0.5:8443", "127.0.0.1:"+linkPort)
		for _, f := range []string{"/etc/ssl/kurz/fullchain.pem", "/etc/ssl/kurz/link.pem"} {
			l = strings.ReplaceAll(l, f, cert)
		}
		for _, f := range []string{"/etc/ssl/kurz/privkey.pem", "/etc/ssl/kurz/link-key.pem"} {
			l = strings.ReplaceAll(l, f, key)
		}
		lines = append(lines, l)
	}
	site := filepath.Join(dir, "kurz.conf")
	os.WriteFile(site, []byte(strings.Join(lines, "\n")), 0o644)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	main := fmt.Sprintf(`%s
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s;
}
`, user, dir, site)
	mainConf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(mainConf, []byte(main), 0o644)
	if out, err := exec.Command("nginx", "-t", "-c", mainConf, "-p", dir).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	ng := exec.Command("nginx", "-c", mainConf, "-p", dir)
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ng.Process.Kill(); ng.Wait() })

	client := &http.Client{Timeout: 10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (int, http.Header, string) {
		t.Helper()
		var resp *http.Response
		var err error
		for range 50 { // nginx binds within moments
			if resp, err = client.Get(url); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, resp.Header, string(b[:n])
	}
	public := "https://127.0.0.1:" + httpsPort
	if code, _, body := get(public + "/readyz"); code != 200 {
		t.Fatalf("readyz through nginx: %d %s", code, body)
	}
	if code, _, body := get(public + "/"); code != 200 || !strings.Contains(body, "<html") {
		t.Fatalf("home page through nginx: %d", code)
	}
	// The link from the public: nginx's 404, not kurz's signed answer.
	if code, hdr, body := get(public + "/link/v1/log?after=0"); code != 404 || strings.Contains(hdr.Get("Content-Type"), "json") {
		t.Fatalf("the region link is reachable from the public listener: %d %s", code, body)
	}
	// The private listener reaches kurz's link endpoint (which refuses an
	// unsigned request) and nothing else.
	link := "https://127.0.0.1:" + linkPort
	if code, _, body := get(link + "/link/v1/log?after=0"); code != 401 || !strings.Contains(body, "unauthorized") {
		t.Fatalf("link listener: %d %s", code, body)
	}
	if code, _, _ := get(link + "/api/v1/feed"); code != 404 {
		t.Fatalf("the API on the link listener: %d", code)
	}
	if code, hdr, _ := get("http://127.0.0.1:" + httpPort + "/x"); code != 301 || !strings.HasPrefix(hdr.Get("Location"), "https://") {
		t.Fatalf("plain HTTP: %d %s", code, hdr.Get("Location"))
	}
}

// TestDeployCaddy: deploy/Caddyfile passes Caddy's validator.
func TestDeployCaddy(t *testing.T) {
	t.Parallel()
	requireTool(t, "caddy", "caddy")
	cmd := exec.Command("caddy", "validate", "--adapter", "caddyfile", "--config", "../deploy/Caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Valid configuration") {
		t.Fatalf("caddy validate: %v\n%s", err, out)
	}
	b, _ := os.ReadFile("../deploy/Caddyfile")
	if !strings.Contains(string(b), "respond /link/* 404") {
		t.Fatal("the Caddyfile does not keep the region link from the public")
	}
}

// TestDeployDockerfile: the Dockerfile's structure, checked without a
// container engine: known instructions, a multi-stage build whose
// COPY --from names earlier stages, the front-end built before the binary,
// ffmpeg in the final image, and a non-root user.
func TestDeployDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"FROM": true, "RUN": true, "COPY": true, "WORKDIR": true, "ARG": true, "ENV": true, "USER": true,
		"VOLUME": true, "EXPOSE": true, "ENTRYPOINT": true, "CMD": true, "LABEL": true, "HEALTHCHECK": true}
	// Join continuation lines, drop comments.
	var instrs []string
	cur := ""
	for _, l := range strings.Split(string(b), "\n") {
		tl := strings.TrimSpace(l)
		if cur == "" && (tl == "" || strings.HasPrefix(tl, "#")) {
			continue
		}
		if strings.HasSuffix(tl, "\\") {
			cur += strings.TrimSuffix(tl, "\\") + " "
			continue
		}
		instrs = append(instrs, cur+tl)
		cur = ""
	}
	if cur != "" {
		t.Fatal("the Dockerfile ends in a continuation line")
	}
	stages := map[string]bool{}
	var final []string
	sawWebBuild := false
	for i, in := range instrs {
		f := strings.Fields(in)
		if !known[f[0]] {
			t.Fatalf("instruction %d: unknown %q", i, f[0])
		}
		switch f[0] {
		case "FROM":
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				stages[f[3]] = true
			} else if len(f) != 2 {
				t.Fatalf("FROM line %q", in)
			}
			final = nil
		case "COPY":
			for _, a := range f[1:] {
				if from, ok := strings.CutPrefix(a, "--from="); ok && !stages[from] {
					t.Fatalf("COPY --from=%s names no earlier stage", from)
				}
			}
		case "RUN":
			if strings.Contains(in, "npm run build") {
				sawWebBuild = true
			}
			if strings.Contains(in, "go build") && !sawWebBuild {
				t.Fatal("the binary is built before the front-end")
			}
		case "ENTRYPOINT", "CMD", "VOLUME", "HEALTHCHECK":
			if strings.Contains(in, "[") && !regexp.MustCompile(`^\w+ \[("[^"]*"(, )?)+\]$`).MatchString(in) {
				t.Fatalf("malformed JSON form: %q", in)
			}
		}
		final = append(final, in)
	}
	if len(stages) < 2 {
		t.Fatalf("not a multi-stage build: stages %v", stages)
	}
	last := strings.Join(final, "\n")
	if !strings.Contains(last, "ffmpeg") || !regexp.MustCompile(`(?m)^USER (\d+|kurz)`).MatchString(last) ||
		regexp.MustCompile(`(?m)^USER (0|root)\b`).MatchString(last) {
		t.Fatalf("the final stage needs ffmpeg and a non-root USER:\n%s", last)
	}
}
