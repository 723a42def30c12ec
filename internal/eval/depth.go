package eval

import (
	"fmt"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/parser/operator"
)

// MaxExpressionDepth bounds how deeply one expression nests: brackets,
// prefix operators (!, not, -, +), member access, indexing and calls,
// right-associative operators (**, ^), conditionals and let. The expr
// parser recurses once per level before it counts nodes against
// MaxExpressionNodes, so a hostile plan with a megabyte of "!" or "("
// would overflow the stack; the depth is therefore measured on the tokens,
// which the lexer reads without recursion, before the parser runs.
const MaxExpressionDepth = 100

// level is one bracket of an expression being measured.
type level struct {
	// base is the depth the bracket opens at; right counts the
	// right-nesting operators seen at this level; run counts the prefix
	// operators and postfix accesses of the operand being read.
	base, right, run int
}

func (l *level) depth() int { return l.base + l.right + l.run }

// checkDepth returns a *SyntaxError at the first token of source past
// MaxExpressionDepth, with its offset from base, or nil. A source the lexer
// rejects is left to the compiler, which reports the problem.
func checkDepth(source string, base int) error {
	lx := lexer.New()
	lx.Reset(file.NewSource(source))
	stack := []level{{}}
	operand := true // whether an operand is expected next
	for {
		t, err := lx.Next()
		if err != nil {
			return nil
		}
		if t.Kind == lexer.EOF {
			return nil
		}
		top := &stack[len(stack)-1]
		switch t.Kind {
		case lexer.Bracket:
			switch t.Value {
			case "(", "[", "{":
				// An opening bracket after an operand is a call or an
				// index: both nest like a bracket.
				top.run++
				stack = append(stack, level{base: top.depth()})
				operand = true
			default:
				if len(stack) > 1 {
					stack = stack[:len(stack)-1]
				}
				operand = false
			}
		case lexer.Operator:
			switch v := t.Value; {
			case v == "." || v == "?.":
				top.run++
			case operand && isUnary(v):
				top.run++
			case v == "," || v == "|" || v == "::" || v == "#":
				top.run = 0
				operand = true
			case isRightNesting(v):
				top.right++
				top.run = 0
				operand = true
			default:
				// A left-associative binary operator: the parser loops
				// over a chain of them.
				top.run = 0
				operand = true
			}
		default:
			operand = false
		}
		if d := stack[len(stack)-1].depth(); d > MaxExpressionDepth {
			return &SyntaxError{
				Offset:  base + byteOffset(source, t.From),
				Message: fmt.Sprintf("the expression nests deeper than %d levels (brackets, operators such as ! and -, member access, ** and conditionals); write it as several expressions or captures", MaxExpressionDepth),
			}
		}
	}
}

func isUnary(op string) bool {
	_, ok := operator.Unary[op]
	return ok
}

// isRightNesting tells whether the parser recurses for what follows op:
// right-associative operators, conditionals, let and if.
func isRightNesting(op string) bool {
	if o, ok := operator.Binary[op]; ok && o.Associativity == operator.Right {
		return true
	}
	switch op {
	case "?", ":", "??", ";", "let", "if", "else", "=":
		return true
	}
	return false
}

// byteOffset turns an offset in runes into one in bytes of s.
func byteOffset(s string, runes int) int {
	off := 0
	for i := 0; i < runes && off < len(s); i++ {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}
