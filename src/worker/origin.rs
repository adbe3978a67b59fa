//! Where a model comes from, in the worker's terms: the folder to fetch (and whether to keep
//! the download), the name it is shown and saved under, and the source line the Model panel
//! shows. Pure, so it is tested natively; `handlers::model` does the fetching.

use crate::protocol::ModelOrigin;

/// How a model's files arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// Fetched from a folder URL (`base` ends in `/`); `keep` puts the download in the
    /// browser's cache.
    Folder {
        /// The folder's URL.
        base: String,
        /// Keep the files in the Cache API.
        keep: bool,
    },
    /// Attached to the request, one attachment per name (a `.zip` is unpacked).
    Attached {
        /// File names, in attachment order.
        names: Vec<String>,
    },
    /// Kept in the browser under this key.
    Saved {
        /// The key.
        key: String,
    },
}

/// A model's origin resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// A short name (the saved model's name starts with it).
    pub name: String,
    /// Where it came from, for the Model panel and for messages.
    pub source: String,
    /// How its files arrive.
    pub arrival: Arrival,
}

/// The last path segment of `path`, or `fallback`.
fn last_segment(path: &str, fallback: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

/// Resolves `origin`; `default_base` is the absolute URL of the bundled model's folder.
pub fn resolve(origin: ModelOrigin, default_base: &str) -> Result<Resolved, String> {
    Ok(match origin {
        ModelOrigin::Default => Resolved {
            name: "all-MiniLM-L6-v2".into(),
            source: default_base.into(),
            arrival: Arrival::Folder {
                base: default_base.into(),
                keep: false,
            },
        },
        ModelOrigin::Url { url } => {
            let base = if url.ends_with('/') {
                url
            } else {
                format!("{url}/")
            };
            Resolved {
                name: last_segment(&base, "model"),
                source: base.clone(),
                arrival: Arrival::Folder { base, keep: true },
            }
        }
        ModelOrigin::Hub { hub, id, revision } => {
            let id = id.trim().trim_matches('/').to_string();
            if id.is_empty() || id.contains("..") || id.split('/').count() > 2 {
                return Err(format!("\"{id}\" is not a Hub model id (like owner/name)"));
            }
            let base = format!(
                "{}/{id}/resolve/{}/",
                hub.trim_end_matches('/'),
                revision.trim()
            );
            Resolved {
                name: last_segment(&id, "model"),
                source: format!("{id} ({base})"),
                arrival: Arrival::Folder { base, keep: true },
            }
        }
        ModelOrigin::Files { names } => Resolved {
            name: files_name(&names),
            source: format!("your files ({})", names.join(", ")),
            arrival: Arrival::Attached { names },
        },
        ModelOrigin::Saved { key } => Resolved {
            name: last_segment(&key, "saved"),
            source: key.clone(),
            arrival: Arrival::Saved { key },
        },
    })
}

/// A zip is named by its file; loose files by the folder they were picked from, when the
/// browser says (a folder pick), else generically.
fn files_name(names: &[String]) -> String {
    names
        .iter()
        .find_map(|n| n.strip_suffix(".zip").or_else(|| n.strip_suffix(".ZIP")))
        .map(|n| last_segment(n, "model"))
        .or_else(|| {
            names.iter().find_map(|n| {
                n.rsplit_once('/')
                    .map(|(dir, _)| last_segment(dir, "model"))
            })
        })
        .unwrap_or_else(|| "local-model".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Resolved {
        let names = names.iter().map(|n| n.to_string()).collect();
        resolve(ModelOrigin::Files { names }, "http://x/").unwrap()
    }

    #[test]
    fn names_and_folders() {
        let hub = resolve(
            ModelOrigin::Hub {
                hub: "http://127.0.0.1:9/hub/".into(),
                id: " tiny/bert/ ".into(),
                revision: "main".into(),
            },
            "",
        )
        .unwrap();
        assert_eq!(hub.name, "bert");
        assert_eq!(
            hub.arrival,
            Arrival::Folder {
                base: "http://127.0.0.1:9/hub/tiny/bert/resolve/main/".into(),
                keep: true
            }
        );
        let url = resolve(
            ModelOrigin::Url {
                url: "http://h/models/mini".into(),
            },
            "",
        )
        .unwrap();
        assert_eq!(
            (url.name.as_str(), url.source.as_str()),
            ("mini", "http://h/models/mini/")
        );
        assert_eq!(files(&["run-3.zip"]).name, "run-3");
        assert_eq!(
            files(&["picked/config.json", "picked/vocab.txt"]).name,
            "picked"
        );
        assert_eq!(files(&["config.json"]).name, "local-model");
        assert_eq!(
            resolve(
                ModelOrigin::Saved {
                    key: "http://w/anneal-saved/m-ner/".into()
                },
                ""
            )
            .unwrap()
            .name,
            "m-ner"
        );
    }

    #[test]
    fn hub_ids_that_would_leave_the_hub_are_refused() {
        for id in ["", "a/../b", "a/b/c"] {
            let origin = ModelOrigin::Hub {
                hub: "http://h".into(),
                id: id.into(),
                revision: "main".into(),
            };
            assert!(resolve(origin, "").is_err(), "{id}");
        }
    }
}
