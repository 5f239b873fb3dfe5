package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
)

// captured is what one command printed: each stream apart, and both interleaved (for errors).
type captured struct {
	stdout, stderr, combined bytes.Buffer
}

// Stdout and Stderr as pulumi-command records them: one trailing newline trimmed.
func (c *captured) Stdout() string { return strings.TrimSuffix(c.stdout.String(), "\n") }
func (c *captured) Stderr() string { return strings.TrimSuffix(c.stderr.String(), "\n") }

// runLogged gives run the writers for the command's stdout and stderr, capturing both and, per
// `logging`, sending each line to the engine as an info-level status message (as pulumi-command
// logs them). The writers are safe for concurrent use: SSH and os/exec copy each stream in its own
// goroutine.
func runLogged(ctx context.Context, logging *Logging, run func(stdout, stderr io.Writer) error) (*captured, error) {
	out := &captured{}
	log := p.GetLogger(ctx)
	logR, logW := io.Pipe()
	outs := []io.Writer{&out.stdout, &out.combined}
	if logging.stdout() {
		outs = append(outs, logW)
	}
	errs := []io.Writer{&out.stderr, &out.combined}
	if logging.stderr() {
		errs = append(errs, logW)
	}
	var mu lockedWriters
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		lines := bufio.NewScanner(logR)
		for lines.Scan() {
			log.InfoStatus(lines.Text())
		}
		_, _ = io.Copy(io.Discard, logR) // keep the writer unblocked after an over-long line
	}()
	err := run(mu.wrap(io.MultiWriter(outs...)), mu.wrap(io.MultiWriter(errs...)))
	logW.Close()
	<-logged
	return out, err
}
