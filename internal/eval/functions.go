package eval

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"time"

	"github.com/expr-lang/expr"
	"github.com/google/uuid"
)

// MaxRandomStringLength bounds random_string(n).
const MaxRandomStringLength = 1 << 16

// functions are the functions smokex adds to the expr built-ins. now() is
// the expr built-in.
var functions = map[string]func(args ...any) (any, error){
	"uuid": func(args ...any) (any, error) {
		if err := arity("uuid", args, 0); err != nil {
			return nil, err
		}
		return uuid.NewString(), nil
	},
	"unix": func(args ...any) (any, error) {
		if err := arity("unix", args, 0); err != nil {
			return nil, err
		}
		return time.Now().Unix(), nil
	},
	"base64": func(args ...any) (any, error) {
		s, err := oneString("base64", args)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	},
	"base64decode": func(args ...any) (any, error) {
		s, err := oneString("base64decode", args)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil {
			return nil, fmt.Errorf("base64decode: %v", err)
		}
		return string(b), nil
	},
	"sha256": func(args ...any) (any, error) {
		s, err := oneString("sha256", args)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	},
	"hmac_sha256": func(args ...any) (any, error) {
		if err := arity("hmac_sha256", args, 2); err != nil {
			return nil, err
		}
		key, ok1 := args[0].(string)
		msg, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, errors.New("hmac_sha256(key, s) takes two strings")
		}
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(msg))
		return hex.EncodeToString(m.Sum(nil)), nil
	},
	"urlencode": func(args ...any) (any, error) {
		s, err := oneString("urlencode", args)
		if err != nil {
			return nil, err
		}
		return url.QueryEscape(s), nil
	},
	"random_int": func(args ...any) (any, error) {
		if err := arity("random_int", args, 2); err != nil {
			return nil, err
		}
		lo, ok1 := toInt(args[0])
		hi, ok2 := toInt(args[1])
		if !ok1 || !ok2 {
			return nil, errors.New("random_int(a, b) takes two integers")
		}
		if hi < lo {
			return nil, fmt.Errorf("random_int(%d, %d): the upper bound is below the lower", lo, hi)
		}
		n, err := rand.Int(rand.Reader, big.NewInt(0).Add(big.NewInt(hi-lo), big.NewInt(1)))
		if err != nil {
			return nil, err
		}
		return lo + n.Int64(), nil
	},
	"random_string": func(args ...any) (any, error) {
		if err := arity("random_string", args, 1); err != nil {
			return nil, err
		}
		n, ok := toInt(args[0])
		if !ok || n < 0 || n > MaxRandomStringLength {
			return nil, fmt.Errorf("random_string(n) takes an integer from 0 to %d", MaxRandomStringLength)
		}
		return randomString(int(n)), nil
	},
}

const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphanumeric)))
	for i := range b {
		k, _ := rand.Int(rand.Reader, max) // crypto/rand.Reader does not fail.
		b[i] = alphanumeric[k.Int64()]
	}
	return string(b)
}

// Functions returns the names of the functions smokex adds to expressions,
// sorted.
func Functions() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func functionOptions() []expr.Option {
	opts := make([]expr.Option, 0, len(functions))
	for name, fn := range functions {
		opts = append(opts, expr.Function(name, fn))
	}
	return opts
}

func arity(name string, args []any, n int) error {
	if len(args) != n {
		return fmt.Errorf("%s takes %d argument(s), got %d", name, n, len(args))
	}
	return nil
}

func oneString(name string, args []any) (string, error) {
	if err := arity(name, args, 1); err != nil {
		return "", err
	}
	s, ok := args[0].(string)
	if !ok {
		return "", fmt.Errorf("%s takes a string, got %T", name, args[0])
	}
	return s, nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}
