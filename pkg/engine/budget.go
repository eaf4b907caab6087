package engine

import (
	"fmt"
	"strings"
)

// Budget is the guardrail from the data source settings: a query whose
// estimate exceeds any non-zero limit is refused before it runs.
type Budget struct {
	MaxBytes int64   `json:"maxBytes,omitempty"`
	MaxUSD   float64 `json:"maxUsd,omitempty"`
	MaxRows  int64   `json:"maxRows,omitempty"`
}

// BudgetError is a refusal: it carries the estimate and the budget.
type BudgetError struct {
	Cost   Cost
	Budget Budget
	// Over lists the exceeded limits: "bytes", "usd", "rows".
	Over []string
}

func (e *BudgetError) Error() string {
	qual := "estimated"
	if e.Cost.Kind == CostUpperBound {
		qual = "at most (upper bound)"
	}
	var parts []string
	for _, o := range e.Over {
		switch o {
		case "bytes":
			parts = append(parts, fmt.Sprintf("%s %s processed exceeds the budget of %s", qual, FormatBytes(e.Cost.Bytes), FormatBytes(e.Budget.MaxBytes)))
		case "usd":
			parts = append(parts, fmt.Sprintf("%s cost $%.4f exceeds the budget of $%.4f", qual, e.Cost.USD, e.Budget.MaxUSD))
		case "rows":
			parts = append(parts, fmt.Sprintf("%s %d rows exceeds the budget of %d rows", qual, e.Cost.Rows, e.Budget.MaxRows))
		}
	}
	return "query refused before it ran: " + strings.Join(parts, "; ") +
		"; narrow the time range or filters, or raise the budget in the data source settings"
}

// Check refuses a cost over budget. Unknown costs pass (there is nothing to
// compare); an upper bound over budget is refused and labelled as such.
func (b Budget) Check(c Cost) error {
	if c.Kind == CostUnknown || c.Kind == "" {
		return nil
	}
	var over []string
	if b.MaxBytes > 0 && c.Bytes > b.MaxBytes {
		over = append(over, "bytes")
	}
	if b.MaxUSD > 0 && c.USD > b.MaxUSD {
		over = append(over, "usd")
	}
	if b.MaxRows > 0 && c.Rows > b.MaxRows {
		over = append(over, "rows")
	}
	if len(over) == 0 {
		return nil
	}
	return Downstream(&BudgetError{Cost: c, Budget: b, Over: over})
}

// IsZero reports whether no limit is set.
func (b Budget) IsZero() bool { return b.MaxBytes <= 0 && b.MaxUSD <= 0 && b.MaxRows <= 0 }

// FormatBytes renders a byte count with binary units ("1.5 GiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// USDPerTiB converts bytes to dollars at a price per TiB.
func USDPerTiB(bytes int64, pricePerTiB float64) float64 {
	return float64(bytes) / float64(int64(1)<<40) * pricePerTiB
}
