package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// maxFileBytes bounds what file() reads: it is meant for a token or a key,
// not for data.
const maxFileBytes = 1 << 20

// evalContext is what expressions in the configuration may use: the
// functions env and file, and no variables.
func evalContext(dir string) *hcl.EvalContext {
	return &hcl.EvalContext{
		Functions: map[string]function.Function{
			"env":  envFunc(),
			"file": fileFunc(dir),
		},
	}
}

// envFunc is env("NAME"): the value of an environment variable. An unset
// variable is an error, never an empty string, so that a forgotten secret
// does not silently become "no secret". A variable set to the empty string
// is returned as is; the attribute's own validation refuses it where an
// empty value is wrong.
func envFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable; fails when it is not set.",
		Params: []function.Parameter{{
			Name: "name",
			Type: cty.String,
		}},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if name == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the variable name must not be empty")
			}
			v, ok := os.LookupEnv(name)
			if !ok {
				return cty.NilVal, fmt.Errorf("environment variable %q is not set", name)
			}
			if !utf8.ValidString(v) {
				return cty.NilVal, fmt.Errorf("environment variable %q is not valid UTF-8", name)
			}
			return cty.StringVal(v), nil
		},
	})
}

// fileFunc is file("path"): the contents of a file, without trailing
// newlines. A relative path is relative to dir, the directory of the
// configuration file.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a file without trailing newlines; a relative path is relative to the configuration file.",
		Params: []function.Parameter{{
			Name: "path",
			Type: cty.String,
		}},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if p == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the path must not be empty")
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			s, err := readSmallFile(p)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(strings.TrimRight(s, "\r\n")), nil
		},
	})
}

// readSmallFile reads a UTF-8 text file of at most maxFileBytes. Its
// errors name the path, never the contents.
func readSmallFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", readError(path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return "", readError(path, err)
	}
	if len(b) > maxFileBytes {
		return "", fmt.Errorf("%q is larger than %d bytes", path, maxFileBytes)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%q is not UTF-8 text", path)
	}
	return string(b), nil
}

// readError says why path cannot be read, naming it once.
func readError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %q: %v", path, err)
}
