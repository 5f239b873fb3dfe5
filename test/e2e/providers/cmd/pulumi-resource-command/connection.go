package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Defaults of pulumi-command 1.2.1 (also applied by the SDK's connectionArgsProvideDefaults).
const (
	defaultDialErrorLimit = 10
	unlimitedDialErrors   = -1
	defaultPerDialTimeout = 15
)

// Endpoint is one SSH endpoint. Field names, types and secrecy follow pulumi-command's schema.
type Endpoint struct {
	User               *string  `pulumi:"user,optional"`
	Password           *string  `pulumi:"password,optional"           provider:"secret"`
	Host               *string  `pulumi:"host"`
	Port               *float64 `pulumi:"port,optional"`
	PrivateKey         *string  `pulumi:"privateKey,optional"         provider:"secret"`
	PrivateKeyPassword *string  `pulumi:"privateKeyPassword,optional" provider:"secret"`
	AgentSocketPath    *string  `pulumi:"agentSocketPath,optional"`
	DialErrorLimit     *int     `pulumi:"dialErrorLimit,optional"`
	PerDialTimeout     *int     `pulumi:"perDialTimeout,optional"`
	HostKey            *string  `pulumi:"hostKey,optional"`
}

// Connection is command:remote:Connection: the target, optionally reached through a bastion.
type Connection struct {
	Endpoint
	Proxy *ProxyConnection `pulumi:"proxy,optional"`
}

// ProxyConnection is command:remote:ProxyConnection (the bastion).
type ProxyConnection struct{ Endpoint }

func annotateEndpoint(a infer.Annotator, e *Endpoint) {
	a.SetDefault(&e.User, "root")
	a.SetDefault(&e.Port, 22)
	a.SetDefault(&e.DialErrorLimit, defaultDialErrorLimit)
	a.SetDefault(&e.PerDialTimeout, defaultPerDialTimeout)
}

func (c *Connection) Annotate(a infer.Annotator) {
	a.SetToken("remote", "Connection")
	annotateEndpoint(a, &c.Endpoint)
}

func (c *ProxyConnection) Annotate(a infer.Annotator) {
	a.SetToken("remote", "ProxyConnection")
	annotateEndpoint(a, &c.Endpoint)
}

func (e *Endpoint) address() string {
	port := 22
	if e.Port != nil {
		port = int(*e.Port)
	}
	return net.JoinHostPort(deref(e.Host), strconv.Itoa(port))
}

func (e *Endpoint) dialLimit() int {
	if e.DialErrorLimit == nil {
		return defaultDialErrorLimit
	}
	return *e.DialErrorLimit
}

// clientConfig builds the SSH client settings: private key, then password (also answering
// keyboard-interactive prompts), then an SSH agent (agentSocketPath or $SSH_AUTH_SOCK).
// Without hostKey, any host key is accepted, as pulumi-command does.
func (e *Endpoint) clientConfig() (*ssh.ClientConfig, error) {
	user := "root"
	if e.User != nil {
		user = *e.User
	}
	timeout := defaultPerDialTimeout
	if e.PerDialTimeout != nil {
		timeout = *e.PerDialTimeout // 0 means no limit
	}
	cfg := &ssh.ClientConfig{User: user, Timeout: time.Duration(timeout) * time.Second}
	if e.HostKey != nil {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*e.HostKey))
		if err != nil {
			return nil, fmt.Errorf("failed to parse host key: %w", err)
		}
		cfg.HostKeyCallback = ssh.FixedHostKey(key)
		cfg.HostKeyAlgorithms = []string{key.Type()}
	} else {
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // documented behaviour without hostKey
	}
	if e.PrivateKey != nil {
		var signer ssh.Signer
		var err error
		if e.PrivateKeyPassword != nil {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*e.PrivateKey), []byte(*e.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(*e.PrivateKey))
		}
		if err != nil {
			return nil, err
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if e.Password != nil {
		pw := *e.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	if e.AgentSocketPath != nil {
		sock = *e.AgentSocketPath
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, err
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return cfg, nil
}

// withRetries calls dial until it succeeds or has failed more than limit times (-1: no limit),
// like pulumi-command: with the default 10 that is 11 attempts, and the error then reads
// "after 10 failed attempts: <last error>". Waits grow from 100 ms to at most 5 s between tries.
func withRetries[T any](ctx context.Context, what string, limit int, dial func() (T, error)) (T, error) {
	wait := 100 * time.Millisecond
	for failures := 1; ; failures++ {
		v, err := dial()
		if err == nil {
			return v, nil
		}
		if limit != unlimitedDialErrors && failures > limit {
			return v, fmt.Errorf("after %d failed attempts: %w", failures-1, err)
		}
		max := "inf"
		if limit != unlimitedDialErrors {
			max = strconv.Itoa(limit)
		}
		p.GetLogger(ctx).InfoStatusf("%s %d/%s failed: retrying", what, failures, max)
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*3/2, 5*time.Second)
	}
}

// Dial opens the SSH client, through the proxy when one is set: SSH to the proxy, a TCP channel
// from the proxy to the target, then the SSH handshake with the target over that channel.
func (c *Connection) Dial(ctx context.Context) (*ssh.Client, error) {
	cfg, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	target := c.address()
	if c.Proxy == nil {
		return withRetries(ctx, "Dial", c.dialLimit(), func() (*ssh.Client, error) {
			return ssh.Dial("tcp", target, cfg)
		})
	}
	proxyCfg, err := c.Proxy.clientConfig()
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	bastion, err := withRetries(ctx, "Dial proxy", c.Proxy.dialLimit(), func() (*ssh.Client, error) {
		return ssh.Dial("tcp", c.Proxy.address(), proxyCfg)
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	client, err := withRetries(ctx, "Dial from proxy", c.dialLimit(), func() (*ssh.Client, error) {
		tunnel, err := bastion.Dial("tcp", target)
		if err != nil {
			return nil, err
		}
		conn, chans, reqs, err := ssh.NewClientConn(tunnel, target, cfg)
		if err != nil {
			tunnel.Close()
			return nil, err
		}
		return ssh.NewClient(conn, chans, reqs), nil
	})
	if err != nil {
		bastion.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	// The bastion connection must outlive the target client; close it when the target closes.
	go func() { _ = client.Wait(); bastion.Close() }()
	return client, nil
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}
