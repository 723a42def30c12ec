package admin

import (
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Atom feed of a status page (RFC 4287): an entry per update of each
// of its incidents, newest first, so that a feed reader shows each update
// as news.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomTime is RFC 3339 with a fixed fraction, so that times sort as text.
const atomTime = "2006-01-02T15:04:05.000000Z07:00"

// renderAtom encodes the feed of page.
func renderAtom(page *statusPageJSON) []byte {
	feed := atomFeed{
		ID:     "urn:smokex:status:" + page.Slug,
		Title:  page.Title + " incidents",
		Author: atomPerson{Name: page.Title},
		Links: []atomLink{
			{Rel: "alternate", Type: "text/html", Href: "../" + page.Slug},
			{Rel: "self", Type: "application/atom+xml", Href: "feed.atom"},
		},
	}
	var newest time.Time
	for _, in := range page.Incidents {
		for i, u := range in.Updates {
			text := u.Message + "\n\nAffects: " + strings.Join(in.Plans, ", ") + "\nStarted: " + in.StartedAt.Format(time.RFC1123)
			if !in.ResolvedAt.IsZero() {
				text += "\nResolved: " + in.ResolvedAt.Format(time.RFC1123)
			}
			at := u.At.UTC().Format(atomTime)
			feed.Entries = append(feed.Entries, atomEntry{
				ID:        "urn:smokex:incident:" + in.ID + ":" + strconv.Itoa(i),
				Title:     in.Title + " — " + strings.ToUpper(u.Status[:1]) + u.Status[1:],
				Updated:   at,
				Published: at,
				Link:      atomLink{Rel: "alternate", Type: "text/html", Href: "../" + page.Slug},
				Content:   atomContent{Type: "text", Text: text},
			})
			if u.At.After(newest) {
				newest = u.At
			}
		}
	}
	// Newest first; an incident's updates in their order.
	slices.SortStableFunc(feed.Entries, func(a, b atomEntry) int { return strings.Compare(b.Updated, a.Updated) })
	if newest.IsZero() {
		newest = time.Unix(0, 0)
	}
	feed.Updated = newest.UTC().Format(atomTime)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		// The feed is strings only; it cannot fail to encode.
		panic(err)
	}
	return append([]byte(xml.Header), append(out, '\n')...)
}
