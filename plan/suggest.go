package plan

import "strings"

// Suggest returns the known name closest to name when it is close enough
// to be a likely typo (case, '_' and '-' aside), or "". The validator's
// did-you-mean messages and the CLI's --plan use it.
func Suggest(name string, known []string) string {
	norm := normalize(name)
	best, bestDist := "", -1
	for _, k := range known {
		nk := normalize(k)
		if nk == norm {
			return k
		}
		d := distance(norm, nk)
		close := d <= max(1, len(norm)/4)
		if len(norm) >= 3 && strings.HasPrefix(nk, norm) {
			close = true
		}
		if close && (bestDist < 0 || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// normalize folds case and drops '_' and '-', so that statusCode and
// status-code both find status_code.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// distance is the edit distance between a and b, in runes, counting a
// swap of two neighbours as one edit (optimal string alignment).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb))
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
