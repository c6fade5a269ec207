package sdk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoExportedMutableGlobals fails when a package a plugin author imports
// from this module (sdk, sdk/plugin, sdk/plugintest, sdk/storetest and any
// new one outside internal/) declares an exported package-level variable
// other than a sentinel made with errors.New("..."). Any other exported
// variable, a slice, a map, a pointer or a struct, can be changed by any
// code in the process, a plugin's included, and would change what the
// server reads: export a function that returns a copy (KnownGrantTypes) or
// a new value (ErrInvalidToken) instead. A sentinel holds an immutable value
// and is compared with errors.Is. It fails too on a call that changes a
// setting of the whole process (the GC target, the environment, the default
// logger, signals) anywhere but where plugin.Serve applies an option that
// asked for it (WithGCPercent): a library sets nothing for its importer.
func TestNoExportedMutableGlobals(t *testing.T) {
	fset := token.NewFileSet()
	var files int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (name == "internal" || name == "testdata" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		for _, bad := range mutableExportedVars(f) {
			t.Errorf("%s: exported package variable %s in package %s: export a function returning a copy instead",
				fset.Position(bad.Pos()), bad.Name, f.Name.Name)
		}
		for _, call := range processWideCalls(f) {
			t.Errorf("%s: %s changes the whole process: only plugin.Serve's tuneProcess may, when an option asks",
				fset.Position(call.Pos()), call.name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("parsed only %d files: the walk is broken", files)
	}
}

// mutableExportedVars returns the names of f's exported package-level
// variables that are not errors.New("literal") sentinels.
func mutableExportedVars(f *ast.File) []*ast.Ident {
	var bad []*ast.Ident
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !name.IsExported() {
					continue
				}
				if vs.Type == nil && len(vs.Values) == len(vs.Names) && isErrorsNew(vs.Values[i]) {
					continue
				}
				bad = append(bad, name)
			}
		}
	}
	return bad
}

// processWide are the calls that change a setting of the whole process.
var processWide = map[string]bool{
	"debug.SetGCPercent": true, "debug.SetMemoryLimit": true, "debug.SetMaxThreads": true,
	"debug.SetMaxStack": true, "debug.SetPanicOnFault": true, "debug.SetTraceback": true,
	"runtime.GOMAXPROCS": true, "os.Setenv": true, "os.Unsetenv": true, "os.Clearenv": true,
	"os.Chdir": true, "log.SetOutput": true, "log.SetFlags": true, "log.SetPrefix": true,
	"slog.SetDefault": true, "slog.SetLogLoggerLevel": true, "hclog.SetDefault": true,
	"signal.Notify": true, "signal.Ignore": true, "grpclog.SetLoggerV2": true,
}

type namedCall struct {
	*ast.CallExpr
	name string
}

// processWideCalls returns f's calls in processWide, except those in a
// function named tuneProcess (plugin.Serve's, which applies the options a
// plugin passed).
func processWideCalls(f *ast.File) []namedCall {
	var calls []namedCall
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Name.Name == "tuneProcess" {
			continue
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && processWide[pkg.Name+"."+sel.Sel.Name] {
				calls = append(calls, namedCall{call, pkg.Name + "." + sel.Sel.Name})
			}
			return true
		})
	}
	return calls
}

func isErrorsNew(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "New" {
		return false
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "errors" {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	_, err := strconv.Unquote(lit.Value)
	return err == nil
}

// TestMutableExportedVars checks the detector itself on named cases.
func TestMutableExportedVars(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"none", "", nil},
		{"sentinel", `var ErrX = errors.New("x")`, nil},
		{"unexported slice", `var known = []string{"a"}`, nil},
		{"interface guard", `var _ error = (*T)(nil)`, nil},
		{"exported slice", `var Known = []string{"a"}`, []string{"Known"}},
		{"exported map", `var M = map[string]bool{}`, []string{"M"}},
		{"exported pointer", `var P = &T{}`, []string{"P"}},
		{"exported struct", `var S = T{A: 1}`, []string{"S"}},
		{"exported typed error", `var E error = errors.New("x")`, []string{"E"}},
		{"fmt.Errorf sentinel", `var E = fmt.Errorf("x: %w", ErrY)`, []string{"E"}},
		{"declared without value", `var V int`, []string{"V"}},
		{"group", "var (\n\tErrA = errors.New(\"a\")\n\tB = 1\n\tc = 2\n)", []string{"B"}},
		{"two names", `var A, b = 1, 2`, []string{"A"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+tc.src+"\n", 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range mutableExportedVars(f) {
				got = append(got, id.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestListsAreCopies: changing a list an exported function returned changes
// neither the next answer nor what validation accepts.
func TestListsAreCopies(t *testing.T) {
	tests := []struct {
		name string
		list func() []string
	}{
		{"KnownGrantTypes", KnownGrantTypes},
		{"KnownResponseTypes", KnownResponseTypes},
		{"KnownAuthMethods", KnownAuthMethods},
		{"KnownJWEAlgs", KnownJWEAlgs},
		{"KnownJWEEncs", KnownJWEEncs},
		{"ReservedMembers", ReservedMembers},
		{"DuendeRefreshTokenUsages", DuendeRefreshTokenUsages},
		{"DuendeRefreshTokenExpirations", DuendeRefreshTokenExpirations},
		{"DuendeAccessTokenTypes", DuendeAccessTokenTypes},
		{"StepNames", StepNames},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.list()
			if len(first) == 0 {
				t.Fatal("empty list")
			}
			want := strings.Join(first, ",")
			for i := range first {
				first[i] = "changed"
			}
			_ = append(first[:0], "appended")
			if got := strings.Join(tc.list(), ","); got != want {
				t.Errorf("after changing a returned list: %s, want %s", got, want)
			}
		})
	}

	// Validation reads its own lists: emptying a returned one does not
	// make a known grant type unknown.
	grants := KnownGrantTypes()
	clear(grants)
	rc := RegistrationContext{Policy: testPolicy()}
	rc.Request.GrantTypes = []string{GrantClientCredentials}
	rc.Request.ResponseTypes = []string{}
	if _, err := (DefaultSteps{}).GrantTypes(t.Context(), rc); err != nil {
		t.Errorf("client_credentials refused after clearing a copy of KnownGrantTypes: %v", err)
	}
}

// TestProcessWideCalls checks the detector of process-wide calls on named
// cases.
func TestProcessWideCalls(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"none", "func f() {}", nil},
		{"GC in a constructor", "func New() { debug.SetGCPercent(400) }", []string{"debug.SetGCPercent"}},
		{"GC in tuneProcess", "func tuneProcess() { debug.SetGCPercent(400) }", nil},
		{"environment in a closure", "var f = func() { os.Setenv(\"A\", \"b\") }", []string{"os.Setenv"}},
		{"default logger", "func init() { slog.SetDefault(nil) }", []string{"slog.SetDefault"}},
		{"reading is fine", "func f() int { return runtime.NumCPU() + len(os.Getenv(\"GOGC\")) }", nil},
		{"method of the same name", "func f(d T) { d.SetGCPercent(1) }", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+tc.src+"\n", 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range processWideCalls(f) {
				got = append(got, c.name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
