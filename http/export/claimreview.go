package export

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"verity/claims"
	"verity/claims/fault"
	"verity/provenance"
)

// Publisher is who publishes Verity's fact checks and where readers find them: the
// ClaimReview's author, and the base of the public claim pages its url points at.
type Publisher struct {
	// Name is the publishing organisation (the newsroom or fact-check desk).
	Name string
	// URL is the organisation's home page.
	URL string
	// PublicURL is where readers reach Verity's public pages: a claim's page is
	// PublicURL/claims/{id}.
	PublicURL string
}

// NewPublisher checks the publishing settings and returns them cleaned: names trimmed,
// URLs absolute http(s) without a trailing slash. Each may be empty (publishing then
// answers what is missing, see Missing); a URL that is given must be one a reader can open.
// An empty URL falls back to publicURL.
func NewPublisher(name, homeURL, publicURL string) (Publisher, error) {
	p := Publisher{Name: strings.TrimSpace(name)}
	var errs []error
	var err error
	if p.PublicURL, err = absoluteURL(publicURL, true); err != nil {
		errs = append(errs, fmt.Errorf("--public-url %w", err))
	}
	if p.URL, err = absoluteURL(homeURL, false); err != nil {
		errs = append(errs, fmt.Errorf("--publisher-url %w", err))
	}
	if p.URL == "" {
		p.URL = p.PublicURL
	}
	if utf8.RuneCountInString(p.Name) > 200 {
		errs = append(errs, errors.New("--publisher-name is longer than 200 characters"))
	}
	return p, errors.Join(errs...)
}

// absoluteURL checks that raw, when given, is an absolute http or https URL; base URLs
// (the root that paths are joined to) may have no query or fragment either.
func absoluteURL(raw string, base bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return "", fmt.Errorf("%q must be an absolute http:// or https:// URL", raw)
	case base && (u.RawQuery != "" || u.Fragment != "" || u.ForceQuery):
		return "", fmt.Errorf("%q must be a base URL, without ? or #", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// Missing names the settings that publishing a ClaimReview needs and p lacks, as flags and
// environment variables; nil when it can publish.
func (p Publisher) Missing() []string {
	var m []string
	if p.PublicURL == "" {
		m = append(m, "--public-url (VERITY_PUBLIC_URL), the base of the public claim pages")
	}
	if p.Name == "" {
		m = append(m, "--publisher-name (VERITY_PUBLISHER_NAME), the organisation that publishes the fact checks")
	}
	return m
}

// ClaimPage is the public page of a claim's fact check, which its ClaimReview's url names.
func (p Publisher) ClaimPage(claimID int64) string {
	return fmt.Sprintf("%s/claims/%d", p.PublicURL, claimID)
}

// ClaimReview is a schema.org ClaimReview in JSON-LD, shaped as Google's fact-check
// structured data asks.
type ClaimReview struct {
	Context string `json:"@context"`
	Type    string `json:"@type"`
	// URL is the public page of the fact check.
	URL string `json:"url"`
	// ClaimReviewed is the claim in at most MaxClaimReviewed characters; the whole text is
	// ItemReviewed.Text.
	ClaimReviewed string `json:"claimReviewed"`
	// ReviewBody is the rationale of the signed-off verdict.
	ReviewBody string `json:"reviewBody"`
	// DatePublished is the day the verdict was signed off (UTC).
	DatePublished string       `json:"datePublished"`
	Author        Organization `json:"author"`
	ReviewRating  Rating       `json:"reviewRating"`
	ItemReviewed  Claim        `json:"itemReviewed"`
}

// Organization is a schema.org Organization or Person, by name.
type Organization struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Rating is the verdict on the scale of Ratings.
type Rating struct {
	Type          string `json:"@type"`
	RatingValue   int    `json:"ratingValue"`
	BestRating    int    `json:"bestRating"`
	WorstRating   int    `json:"worstRating"`
	Name          string `json:"name"`
	AlternateName string `json:"alternateName"`
}

// Claim is the claim reviewed: its whole text, who made it, and where it appeared.
type Claim struct {
	Type   string        `json:"@type"`
	Text   string        `json:"text"`
	Author *Organization `json:"author,omitempty"`
	// DatePublished is the day the article making the claim was published, when known.
	DatePublished   string      `json:"datePublished,omitempty"`
	Appearance      NewsArticle `json:"appearance"`
	FirstAppearance NewsArticle `json:"firstAppearance"`
}

// NewsArticle is the article a claim appears in.
type NewsArticle struct {
	Type          string        `json:"@type"`
	Headline      string        `json:"headline"`
	URL           string        `json:"url,omitempty"`
	DatePublished string        `json:"datePublished,omitempty"`
	Publisher     *Organization `json:"publisher,omitempty"`
}

// MaxClaimReviewed is the longest claimReviewed, in characters: Google recommends fewer
// than 75, so that the claim fits a search result on a phone.
const MaxClaimReviewed = 74

// Ratings places every verdict on one scale, from 1 (false) to 6 (true), each at its own
// value, with the name readers see. Disputed (sources conflict) and unverifiable (nothing
// settles it) sit between the false and the true; outdated was true when published.
var Ratings = map[claims.Status]struct {
	Value int
	Name  string
}{
	claims.StatusFalse:        {1, "False"},
	claims.StatusMisleading:   {2, "Misleading"},
	claims.StatusDisputed:     {3, "Disputed"},
	claims.StatusUnverifiable: {4, "Unverifiable"},
	claims.StatusOutdated:     {5, "Outdated"},
	claims.StatusVerified:     {6, "True"},
}

// The ends of the Ratings scale.
const (
	WorstRating = 1
	BestRating  = 6
)

// NewClaimReview builds the ClaimReview of a signed-off verdict: c must be publishable
// (closed, its passage still in the article: Conflict otherwise), a its article and cits
// its citations with their sources. The claim's author is the source of its first
// attributed_to citation (see claimant), or else the article's outlet.
func NewClaimReview(c *claims.Claim, a *claims.Article, cits []*provenance.Citation, p Publisher) (*ClaimReview, error) {
	if err := c.CheckPublishable(); err != nil {
		return nil, err
	}
	r, ok := Ratings[c.Status]
	if !ok || c.SignedOffAt == nil {
		return nil, fault.New(fault.Conflict, "claim %d has no signed-off verdict to publish", c.ID)
	}
	article := NewsArticle{Type: "NewsArticle", Headline: a.Title, URL: a.URL}
	if a.Outlet != "" {
		article.Publisher = &Organization{Type: "Organization", Name: a.Outlet}
	}
	item := Claim{Type: "Claim", Text: c.Text, Appearance: article, FirstAppearance: article}
	if a.PublishedAt != nil {
		item.DatePublished = a.PublishedAt.UTC().Format(time.DateOnly)
		item.Appearance.DatePublished, item.FirstAppearance.DatePublished = item.DatePublished, item.DatePublished
	}
	item.Author = claimant(a, cits)
	return &ClaimReview{
		Context:       "https://schema.org",
		Type:          "ClaimReview",
		URL:           p.ClaimPage(c.ID),
		ClaimReviewed: Shorten(c.Text, MaxClaimReviewed),
		ReviewBody:    c.Rationale,
		DatePublished: c.SignedOffAt.UTC().Format(time.DateOnly),
		Author:        Organization{Type: "Organization", Name: p.Name, URL: p.URL},
		ReviewRating: Rating{
			Type: "Rating", RatingValue: r.Value, BestRating: BestRating, WorstRating: WorstRating,
			Name: r.Name, AlternateName: r.Name,
		},
		ItemReviewed: item,
	}, nil
}

// claimant is who made the claim: the source it is attributed to (for a report or a
// document, its publisher when known), or else the outlet that published the article.
func claimant(a *claims.Article, cits []*provenance.Citation) *Organization {
	for _, ct := range cits {
		src := ct.Source
		if ct.Relation != provenance.AttributedTo || src == nil {
			continue
		}
		switch {
		case src.Kind.IsPerson():
			return &Organization{Type: "Person", Name: src.Name}
		case !src.Kind.IsAgent() && src.Publisher != "":
			return &Organization{Type: "Organization", Name: src.Publisher}
		}
		return &Organization{Type: "Organization", Name: src.Name}
	}
	if a.Outlet != "" {
		return &Organization{Type: "Organization", Name: a.Outlet}
	}
	return nil
}

// Shorten returns s in at most max characters (code points): whole when it fits, else cut
// at the last space that keeps at least half of it, or else at the last boundary between
// user-perceived characters, and ended with "…".
func Shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	limit := max - 1 // room for the ellipsis
	var cut, lastSpace, n int
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cluster := g.Str()
		n += utf8.RuneCountInString(cluster)
		if n > limit {
			break
		}
		start, end := g.Positions()
		if r, _ := utf8.DecodeRuneInString(cluster); unicode.IsSpace(r) {
			lastSpace = start
		}
		cut = end
	}
	if lastSpace > 0 && utf8.RuneCountInString(s[:lastSpace]) >= limit/2 {
		cut = lastSpace
	}
	return strings.TrimRightFunc(s[:cut], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' }) + "…"
}
