package plan

import "strings"

// suggest returns the known name closest to name when it is close enough
// to be a likely typo, or "".
func suggest(name string, known []string) string {
	norm := normalize(name)
	best, bestDist := "", -1
	for _, k := range known {
		nk := normalize(k)
		if nk == norm {
			return k
		}
		d := distance(norm, nk)
		close := d <= max(1, len(norm)/3)
		if len(norm) >= 3 && (strings.HasPrefix(nk, norm) || strings.HasPrefix(norm, nk)) {
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

// distance is the Levenshtein edit distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb))
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
