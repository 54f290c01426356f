//! Compares the shape (keys and JSON value types) of two JSON documents, for golden tests: a message
//! a server emits must have the same shape as the fixture of its kind, whatever its values.

use serde_json::Value;

/// Lists every way `actual` differs in shape from `expected`; empty when the shapes agree.
///
/// Rules, applied recursively:
/// * objects must have the same key set (a missing or an unexpected key is reported);
/// * values under the same key must have the same JSON type (string, number, bool, array, object);
///   `null` on either side is compatible with any type (a nullable field);
/// * arrays: every element of `actual` is compared with the elements of `expected` and passes when it
///   matches one of them. With a one-element `expected` this is "compare with the first element";
///   with several it lets a list mix kinds (a products page holds perpetuals and options, whose
///   `product_specs` differ). When none matches, the differences against the closest one are
///   reported. An empty array on either side is compatible.
///
/// Paths read like `result[0].quotes.best_bid: expected string, got number`; the document itself is
/// `$`.
pub fn shape_differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compare(expected, actual, "", &mut out);
    out
}

fn compare(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(expected), Value::Object(actual)) => {
            for key in expected.keys().filter(|key| !actual.contains_key(*key)) {
                out.push(format!("{}: missing key", join(path, key)));
            }
            for (key, actual_value) in actual {
                match expected.get(key) {
                    Some(expected_value) => compare(expected_value, actual_value, &join(path, key), out),
                    None => out.push(format!("{}: unexpected key", join(path, key))),
                }
            }
        }
        (Value::Array(expected), Value::Array(actual)) => {
            for (index, element) in actual.iter().enumerate() {
                let element_path = format!("{path}[{index}]");
                if let Some(best) = closest(expected, element, &element_path) {
                    out.extend(best);
                }
            }
        }
        _ if type_name(expected) != type_name(actual) => {
            let shown = if path.is_empty() { "$" } else { path };
            out.push(format!("{shown}: expected {}, got {}", type_name(expected), type_name(actual)));
        }
        _ => {}
    }
}

/// The differences of `element` against the closest candidate, or `None` when one matches (or there
/// is no candidate).
fn closest(candidates: &[Value], element: &Value, path: &str) -> Option<Vec<String>> {
    let mut best: Option<Vec<String>> = None;
    for candidate in candidates {
        let mut differences = Vec::new();
        compare(candidate, element, path, &mut differences);
        if differences.is_empty() {
            return None;
        }
        if best.as_ref().is_none_or(|best| differences.len() < best.len()) {
            best = Some(differences);
        }
    }
    best
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn identical_shapes_with_different_values_agree() {
        let expected = json!({"a": "1.5", "b": 2, "c": [{"d": true}], "e": {"f": null}});
        let actual = json!({"a": "9", "b": 3.5, "c": [{"d": false}, {"d": true}], "e": {"f": "x"}});
        assert!(shape_differences(&expected, &actual).is_empty());
    }

    #[test]
    fn reports_type_changes_with_paths() {
        let expected = json!({"result": [{"quotes": {"best_bid": "68452.5"}}]});
        let actual = json!({"result": [{"quotes": {"best_bid": 68452.5}}]});
        assert_eq!(shape_differences(&expected, &actual), ["result[0].quotes.best_bid: expected string, got number"]);
        assert_eq!(shape_differences(&json!([1]), &json!("x")), ["$: expected array, got string"]);
    }

    #[test]
    fn reports_missing_and_unexpected_keys() {
        let expected = json!({"a": 1, "b": 2});
        let actual = json!({"a": 1, "c": 3});
        assert_eq!(shape_differences(&expected, &actual), ["b: missing key", "c: unexpected key"]);
    }

    #[test]
    fn null_is_compatible_both_ways() {
        assert!(shape_differences(&json!({"a": null}), &json!({"a": {"x": 1}})).is_empty());
        assert!(shape_differences(&json!({"a": "s"}), &json!({"a": null})).is_empty());
        assert!(shape_differences(&json!({"a": null}), &json!({})).len() == 1, "a null key must still be present");
    }

    #[test]
    fn arrays_compare_every_element() {
        let expected = json!([{"a": "x"}]);
        let actual = json!([{"a": "y"}, {"a": 1}]);
        assert_eq!(shape_differences(&expected, &actual), ["[1].a: expected string, got number"]);
        assert!(shape_differences(&json!([]), &json!([1, "x"])).is_empty());
        assert!(shape_differences(&json!([1]), &json!([])).is_empty());
    }

    #[test]
    fn array_elements_may_match_any_expected_kind() {
        let expected = json!([{"specs": {"funding": 1}}, {"specs": {"vol": 2}}]);
        assert!(shape_differences(&expected, &json!([{"specs": {"vol": 5}}])).is_empty());
        assert_eq!(
            shape_differences(&expected, &json!([{"specs": {"vol": "5"}}])),
            ["[0].specs.vol: expected number, got string"]
        );
    }
}
