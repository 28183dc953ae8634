package scenario

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxAliasNodes bounds the nodes that YAML aliases may add to a scenario.
// An alias stands for the whole node its anchor names, and aliases of
// aliases multiply: a kilobyte of nested aliases ("billion laughs") names
// 10^9 nodes, which the decoder would walk one by one. Scenarios that reuse
// a header block or a step through anchors add a few hundred.
const maxAliasNodes = 100_000

// checkAliases refuses a document whose aliases expand beyond
// maxAliasNodes, naming the alias that crosses the budget. It counts
// without expanding: each anchored node's size is computed once.
func checkAliases(root *yaml.Node, file string) error {
	a := aliasCounter{sizes: map[*yaml.Node]int{}}
	added := 0
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n == nil {
			return nil
		}
		if n.Kind == yaml.AliasNode {
			size, err := a.size(n.Alias)
			if err != nil {
				return &Error{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("alias *%s %v", n.Value, err)}
			}
			if added += size; added > maxAliasNodes {
				return &Error{File: file, Line: n.Line, Col: n.Column,
					Msg:  fmt.Sprintf("alias *%s takes the scenario's aliases past %d nodes", n.Value, maxAliasNodes),
					Hint: "aliases of aliases multiply; write the repeated part out, or nest fewer aliases"}
			}
			return nil
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// aliasCounter computes the expanded size of nodes, saturating just past
// the budget so that no count overflows.
type aliasCounter struct {
	sizes map[*yaml.Node]int // -1 while the node's size is being computed
}

func (a *aliasCounter) size(n *yaml.Node) (int, error) {
	if n == nil {
		return 0, nil
	}
	if s, ok := a.sizes[n]; ok {
		if s < 0 {
			return 0, fmt.Errorf("refers to a node that contains it")
		}
		return s, nil
	}
	a.sizes[n] = -1
	total := 1
	if n.Kind == yaml.AliasNode {
		s, err := a.size(n.Alias)
		if err != nil {
			return 0, err
		}
		total = s
	}
	for _, c := range n.Content {
		s, err := a.size(c)
		if err != nil {
			return 0, err
		}
		total = min(total+s, maxAliasNodes+1)
	}
	a.sizes[n] = total
	return total, nil
}
