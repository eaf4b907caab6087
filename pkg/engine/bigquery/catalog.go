package bigquery

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/catalog"
)

// Datasets lists the datasets of the default project.
func (e *Engine) Datasets(ctx context.Context) ([]string, error) {
	return e.DatasetsInProject(ctx, "")
}

// DatasetsInProject lists the datasets of a project ("" = the default
// project), for the builder's project picker.
func (e *Engine) DatasetsInProject(ctx context.Context, project string) ([]string, error) {
	if project != "" && !validProjectID(project) {
		return nil, fmt.Errorf("bigquery: %q is not a project ID", project)
	}
	var out []string
	it := e.client.Datasets(ctx)
	what := "listing datasets"
	if project != "" {
		it.ProjectID = project
		what += " of project " + project
	}
	for {
		ds, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, e.catalogError(what, err)
		}
		out = append(out, ds.DatasetID)
	}
	sort.Strings(out)
	return out, nil
}

// Tables lists the tables of a dataset ("" = the default dataset;
// "project.dataset" for a dataset of another project).
// Date-sharded tables (events_20240101, events_20240102, ...) are listed once
// as their wildcard family (events_*), as the BigQuery console does.
func (e *Engine) Tables(ctx context.Context, dataset string) ([]string, error) {
	names, err := e.tableNames(ctx, dataset)
	if err != nil {
		return nil, err
	}
	plain, families := groupShards(names)
	out := append(plain, families...)
	sort.Strings(out)
	return out, nil
}

// dataset resolves a catalog dataset argument: "" is the default dataset,
// "project.dataset" a dataset of another project (split at the last dot,
// since a legacy domain-scoped project holds dots: "example.com:p.ds").
func (e *Engine) dataset(dataset string) (*bq.Dataset, string, error) {
	if dataset == "" {
		dataset = e.settings.Dataset
	}
	if dataset == "" {
		return nil, "", errors.New("bigquery: no dataset given and no default dataset configured")
	}
	project, id := "", dataset
	if i := strings.LastIndexByte(dataset, '.'); i >= 0 {
		project, id = dataset[:i], dataset[i+1:]
		if !validProjectID(project) {
			return nil, "", fmt.Errorf("bigquery: %q is not a project ID (in %q)", project, dataset)
		}
	}
	if !validDatasetID(id) {
		return nil, "", fmt.Errorf("bigquery: %q is not a dataset ID", id)
	}
	if project == "" {
		return e.client.Dataset(id), dataset, nil
	}
	return e.client.DatasetInProject(project, id), dataset, nil
}

func (e *Engine) tableNames(ctx context.Context, dataset string) ([]string, error) {
	ds, dataset, err := e.dataset(dataset)
	if err != nil {
		return nil, err
	}
	var names []string
	it := ds.Tables(ctx)
	for {
		t, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, e.catalogError("listing tables of "+dataset, err)
		}
		names = append(names, t.TableID)
	}
	return names, nil
}

// shardSuffix returns the prefix of a date-sharded table name
// (`events_20240101` -> `events_`), or ok=false.
func shardSuffix(name string) (prefix string, ok bool) {
	if len(name) < 9 {
		return "", false
	}
	suffix := name[len(name)-8:]
	if _, err := time.Parse("20060102", suffix); err != nil {
		return "", false
	}
	prefix = name[:len(name)-8]
	// BigQuery groups shards whose prefix is empty or ends in a separator.
	if prefix != "" && !strings.HasSuffix(prefix, "_") {
		return "", false
	}
	return prefix, true
}

// groupShards splits table names into plain tables and shard families
// (`prefix*`).
func groupShards(names []string) (plain, families []string) {
	seen := map[string]bool{}
	for _, n := range names {
		if p, ok := shardSuffix(n); ok {
			if !seen[p] {
				seen[p] = true
				families = append(families, p+"*")
			}
			continue
		}
		plain = append(plain, n)
	}
	return plain, families
}

// Columns describes a table: columns with standard SQL types, partitioning
// (column, ingestion-time, or a date-sharded family for `prefix*` names) and
// row/byte counts. For a family the newest shard's schema is used. dataset is
// as for Tables ("project.dataset" for another project).
func (e *Engine) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	ds, dataset, err := e.dataset(dataset)
	if err != nil {
		return catalog.Table{}, err
	}
	id := table
	var part *catalog.Partitioning
	if prefix, ok := strings.CutSuffix(table, "*"); ok {
		names, err := e.tableNames(ctx, dataset)
		if err != nil {
			return catalog.Table{}, err
		}
		newest := ""
		for _, n := range names {
			if p, ok := shardSuffix(n); ok && p == prefix && n > newest {
				newest = n
			}
		}
		if newest == "" {
			return catalog.Table{}, fmt.Errorf("bigquery: no tables %s in dataset %s (a shard family needs tables named %sYYYYMMDD)", table, dataset, prefix)
		}
		id = newest
		part = &catalog.Partitioning{Kind: catalog.PartitionShards, Granularity: "DAY"}
	}
	md, err := ds.Table(id).Metadata(ctx)
	if err != nil {
		return catalog.Table{}, e.catalogError("describing "+dataset+"."+id, err)
	}
	out := catalog.Table{Name: dataset + "." + table, Partitioning: part}
	if part == nil {
		out.RowCount = int64(md.NumRows)
		out.Bytes = md.NumBytes
	}
	clustered := map[string]bool{}
	if md.Clustering != nil {
		for _, f := range md.Clustering.Fields {
			clustered[strings.ToLower(f)] = true
		}
	}
	partCol := ""
	if tp := md.TimePartitioning; tp != nil {
		partCol = strings.ToLower(tp.Field)
	} else if rp := md.RangePartitioning; rp != nil {
		partCol = strings.ToLower(rp.Field)
	}
	for _, f := range md.Schema {
		name := strings.ToLower(f.Name)
		out.Columns = append(out.Columns, catalog.Column{Name: f.Name, Type: schemaTypeName(f),
			PartitionKey: partCol != "" && name == partCol, SortKey: clustered[name]})
	}
	if tp := md.TimePartitioning; tp != nil && part == nil {
		gran := string(tp.Type)
		if gran == "" {
			gran = "DAY"
		}
		if tp.Field == "" {
			out.Partitioning = &catalog.Partitioning{Kind: catalog.PartitionIngestion, Granularity: gran}
		} else {
			out.Partitioning = &catalog.Partitioning{Kind: catalog.PartitionColumn, Column: tp.Field, Granularity: gran}
		}
	}
	return out, nil
}

// schemaTypeName spells a client schema field's type in standard SQL.
func schemaTypeName(f *bq.FieldSchema) string {
	t := string(f.Type)
	switch f.Type {
	case bq.IntegerFieldType:
		t = "INT64"
	case bq.FloatFieldType:
		t = "FLOAT64"
	case bq.BooleanFieldType:
		t = "BOOL"
	case bq.RecordFieldType:
		parts := make([]string, len(f.Schema))
		for i, sub := range f.Schema {
			parts[i] = sub.Name + " " + schemaTypeName(sub)
		}
		t = "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	if f.Repeated {
		return "ARRAY<" + t + ">"
	}
	return t
}

func (e *Engine) catalogError(what string, err error) error {
	f := classify(err, e.settings)
	if f.Hint != "" {
		return fmt.Errorf("bigquery: %s: %s (%s): %w", what, apiMessage(err), f.Hint, err)
	}
	return fmt.Errorf("bigquery: %s: %w", what, err)
}
