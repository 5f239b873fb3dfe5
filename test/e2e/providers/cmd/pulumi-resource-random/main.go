// Command pulumi-resource-random is a TEST STAND-IN for pulumi-random 4.21.2, used by the
// k3s-stacks end-to-end suite only where the real plugin cannot be built (see ../../README.md).
// It serves random:index/randomPassword:RandomPassword with the real resource's contract: every
// input change replaces it, the password is generated once on create, `result` and `bcryptHash`
// are secret.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"k3sstacks.local/e2e/providers/internal/standin"
)

func main() {
	standin.Main("random", "pulumi-random", "4.21.2", func(b *infer.ProviderBuilder) *infer.ProviderBuilder {
		return b.WithResources(infer.Resource(&RandomPassword{}))
	})
}

// Character classes of the Terraform random provider that pulumi-random bridges.
const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// RandomPassword has no Update method, so infer's diff turns every input change into a replace,
// as all of the real resource's arguments force a new password.
type RandomPassword struct{}

// PasswordArgs are the inputs; defaults as in pulumi-random (every class on, no minimums).
// `number` is the deprecated alias of `numeric`.
type PasswordArgs struct {
	Length          int               `pulumi:"length"`
	Special         *bool             `pulumi:"special,optional"`
	Upper           *bool             `pulumi:"upper,optional"`
	Lower           *bool             `pulumi:"lower,optional"`
	Numeric         *bool             `pulumi:"numeric,optional"`
	Number          *bool             `pulumi:"number,optional"`
	MinLower        *int              `pulumi:"minLower,optional"`
	MinUpper        *int              `pulumi:"minUpper,optional"`
	MinNumeric      *int              `pulumi:"minNumeric,optional"`
	MinSpecial      *int              `pulumi:"minSpecial,optional"`
	OverrideSpecial *string           `pulumi:"overrideSpecial,optional"`
	Keepers         map[string]string `pulumi:"keepers,optional"`
}

// PasswordState is the stored state: the inputs plus the password and its bcrypt hash, both
// always secret (the SDK also lists them in additionalSecretOutputs).
type PasswordState struct {
	PasswordArgs
	Result     string `pulumi:"result"     provider:"secret"`
	BcryptHash string `pulumi:"bcryptHash" provider:"secret"`
}

func (r *RandomPassword) Annotate(a infer.Annotator) {
	a.SetToken("index/randomPassword", "RandomPassword")
}

func (a *PasswordArgs) Annotate(an infer.Annotator) {
	for _, f := range []**bool{&a.Special, &a.Upper, &a.Lower, &a.Numeric, &a.Number} {
		an.SetDefault(f, true)
	}
	for _, f := range []**int{&a.MinLower, &a.MinUpper, &a.MinNumeric, &a.MinSpecial} {
		an.SetDefault(f, 0)
	}
}

// Check refuses lengths the real resource refuses, before anything is created.
func (*RandomPassword) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[PasswordArgs], error) {
	in, failures, err := infer.DefaultCheck[PasswordArgs](ctx, req.NewInputs)
	if err == nil {
		mins := val(in.MinLower) + val(in.MinUpper) + val(in.MinNumeric) + val(in.MinSpecial)
		if in.Length < 1 || in.Length < mins {
			failures = append(failures, p.CheckFailure{Property: "length",
				Reason: fmt.Sprintf("length must be at least 1 and at least the sum of the min* settings (%d), got %d", mins, in.Length)})
		}
	}
	return infer.CheckResponse[PasswordArgs]{Inputs: in, Failures: failures}, err
}

func (*RandomPassword) Create(ctx context.Context, req infer.CreateRequest[PasswordArgs]) (infer.CreateResponse[PasswordState], error) {
	state := PasswordState{PasswordArgs: req.Inputs}
	if req.Inputs.Number != nil && req.Inputs.Numeric == nil {
		state.Numeric = req.Inputs.Number
	}
	state.Number = state.Numeric
	if req.DryRun {
		return infer.CreateResponse[PasswordState]{Output: state}, nil
	}
	pw, err := generate(state.PasswordArgs)
	if err != nil {
		return infer.CreateResponse[PasswordState]{Output: state}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return infer.CreateResponse[PasswordState]{Output: state}, err
	}
	state.Result, state.BcryptHash = pw, string(hash)
	id, err := resource.NewUniqueHex("", 8, 0)
	return infer.CreateResponse[PasswordState]{ID: id, Output: state}, err
}

// generate draws each class's minimum first, fills up from all enabled classes, then shuffles,
// all with crypto/rand.
func generate(a PasswordArgs) (string, error) {
	special := specialChars
	if a.OverrideSpecial != nil {
		special = *a.OverrideSpecial
	}
	classes := []struct {
		enabled bool
		chars   string
		min     int
	}{
		{on(a.Lower), lowerChars, val(a.MinLower)},
		{on(a.Upper), upperChars, val(a.MinUpper)},
		{on(a.Numeric), numericChars, val(a.MinNumeric)},
		{on(a.Special), special, val(a.MinSpecial)},
	}
	var out []byte
	all := ""
	for _, c := range classes {
		if !c.enabled || c.chars == "" {
			continue
		}
		all += c.chars
		for range c.min {
			ch, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, ch)
		}
	}
	if all == "" {
		return "", errors.New("no characters to choose from: enable at least one of lower, upper, numeric, special")
	}
	for len(out) < a.Length {
		ch, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, ch)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, err
	}
	return chars[n.Int64()], nil
}

// on reads an optional class switch (default on); val an optional minimum (default 0).
func on(b *bool) bool { return b == nil || *b }

func val(i *int) int {
	if i == nil {
		return 0
	}
	return *i
}
