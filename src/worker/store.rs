//! Downloads with byte progress, and the browser's Cache API as the model store.
//!
//! Everything lives in one cache, `anneal-models`, keyed by URL: downloaded files under their
//! own URLs, fine-tuned models under `<worker base>/anneal-saved/<name>/<file>` (a key only:
//! nothing is ever requested from it). A model is a folder of keys; its size is the sum of the
//! `content-length` headers written with each entry.

use std::collections::BTreeMap;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit};

use super::outbox::{post, scope};
use crate::protocol::{FromWorker, SavedKind, SavedModel};

const CACHE: &str = "anneal-models";
const SAVED: &str = "anneal-saved/";

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

async fn cache() -> Result<Cache, String> {
    let caches = scope()
        .caches()
        .map_err(|e| format!("the browser's Cache API is unavailable: {}", js_error(e)))?;
    JsFuture::from(caches.open(CACHE))
        .await
        .map(JsCast::unchecked_into)
        .map_err(|e| format!("opening the model cache failed: {}", js_error(e)))
}

/// An absolute URL for `path` relative to the worker script (the app's folder).
pub fn absolute(path: &str) -> String {
    web_sys::Url::new_with_base(path, &scope().location().href())
        .map(|u| u.href())
        .unwrap_or_else(|_| path.to_string())
}

/// The key folder of a fine-tuned model.
pub fn saved_folder(name: &str) -> String {
    absolute(&format!("{SAVED}{name}/"))
}

async fn read_body(response: &Response, file: &str) -> Result<Vec<u8>, String> {
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let Some(body) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    let mut reported = 0u64;
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("{file}: the download broke off: {}", js_error(e)))?;
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let value = Uint8Array::new(&Reflect::get(&chunk, &"value".into()).unwrap_or_default());
        bytes.extend(value.to_vec());
        let loaded = bytes.len() as u64;
        if loaded - reported >= 1 << 20 {
            reported = loaded;
            post(
                &FromWorker::Download {
                    file: file.into(),
                    loaded,
                    total,
                },
                Vec::new(),
            );
        }
    }
    post(
        &FromWorker::Download {
            file: file.into(),
            loaded: bytes.len() as u64,
            total,
        },
        Vec::new(),
    );
    Ok(bytes)
}

/// Fetches `url`. `Ok(None)` for a 404 (optional files); other failures are errors that name
/// the URL. With `keep`, a cached copy is used and a fresh download is cached.
pub async fn fetch(url: &str, file: &str, keep: bool) -> Result<Option<Vec<u8>>, String> {
    let cache = if keep { cache().await.ok() } else { None };
    if let Some(cache) = &cache {
        let hit = JsFuture::from(cache.match_with_str(url))
            .await
            .unwrap_or_default();
        if let Ok(response) = hit.dyn_into::<Response>() {
            return read_body(&response, file).await.map(Some);
        }
    }
    let request = Request::new_with_str(url).map_err(|e| format!("{url}: {}", js_error(e)))?;
    let response: Response = JsFuture::from(scope().fetch_with_request(&request))
        .await
        .map_err(|e| {
            format!(
                "{url}: the request failed ({}); check the address, your connection, and that \
                 the server allows cross-origin requests (CORS)",
                js_error(e)
            )
        })?
        .unchecked_into();
    if response.status() == 404 {
        return Ok(None);
    }
    if !response.ok() {
        return Err(format!(
            "{url}: the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let bytes = read_body(&response, file).await?;
    if let Some(cache) = &cache {
        put(cache, url, &bytes).await?;
    }
    Ok(Some(bytes))
}

async fn put(cache: &Cache, url: &str, bytes: &[u8]) -> Result<(), String> {
    let headers = Headers::new().map_err(js_error)?;
    headers
        .set("content-length", &bytes.len().to_string())
        .map_err(js_error)?;
    let init = ResponseInit::new();
    init.set_headers(&headers);
    let body = Uint8Array::from(bytes);
    let response =
        Response::new_with_opt_buffer_source_and_init(Some(&body), &init).map_err(js_error)?;
    JsFuture::from(cache.put_with_str(url, &response))
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "keeping {url} in the browser failed ({}); the browser's storage may be full",
                js_error(e)
            )
        })
}

/// Keeps a fine-tuned model's files under `name`.
pub async fn save(name: &str, files: &[(&str, &[u8])]) -> Result<String, String> {
    let cache = cache().await?;
    let folder = saved_folder(name);
    for (file, bytes) in files {
        put(&cache, &format!("{folder}{file}"), bytes).await?;
    }
    Ok(folder)
}

/// The files kept under a folder key (downloaded or fine-tuned), by file name.
pub async fn load_folder(folder: &str) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let cache = cache().await?;
    let mut files = BTreeMap::new();
    for url in keys(&cache).await? {
        if let Some(file) = url.strip_prefix(folder)
            && !file.contains('/')
        {
            let hit = JsFuture::from(cache.match_with_str(&url))
                .await
                .unwrap_or_default();
            if let Ok(response) = hit.dyn_into::<Response>() {
                files.insert(file.to_string(), read_body(&response, file).await?);
            }
        }
    }
    if files.is_empty() {
        return Err(format!("{folder}: no longer in the browser's storage"));
    }
    Ok(files)
}

async fn keys(cache: &Cache) -> Result<Vec<String>, String> {
    let requests: Array = JsFuture::from(cache.keys())
        .await
        .map_err(js_error)?
        .unchecked_into();
    Ok(requests
        .iter()
        .filter_map(|r| r.dyn_into::<Request>().ok().map(|r| r.url()))
        .collect())
}

/// Every kept model, with its size.
pub async fn list() -> Result<Vec<SavedModel>, String> {
    let cache = cache().await?;
    let mut folders: BTreeMap<String, u64> = BTreeMap::new();
    for url in keys(&cache).await? {
        let Some((folder, _)) = url.rsplit_once('/') else {
            continue;
        };
        let hit = JsFuture::from(cache.match_with_str(&url))
            .await
            .unwrap_or_default();
        let size = hit
            .dyn_into::<Response>()
            .ok()
            .and_then(|r| r.headers().get("content-length").ok().flatten())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        *folders.entry(format!("{folder}/")).or_default() += size;
    }
    let saved_root = absolute(SAVED);
    Ok(folders
        .into_iter()
        .map(|(key, bytes)| {
            let fine_tuned = key.starts_with(&saved_root);
            let name = if fine_tuned {
                key[saved_root.len()..].trim_end_matches('/').to_string()
            } else {
                key.trim_end_matches('/').to_string()
            };
            SavedModel {
                name,
                kind: if fine_tuned {
                    SavedKind::FineTuned
                } else {
                    SavedKind::Downloaded
                },
                bytes,
                key,
            }
        })
        .collect())
}

/// Removes every file under a folder key.
pub async fn delete(folder: &str) -> Result<(), String> {
    let cache = cache().await?;
    for url in keys(&cache).await? {
        if url.starts_with(folder) {
            JsFuture::from(cache.delete_with_str(&url))
                .await
                .map_err(js_error)?;
        }
    }
    Ok(())
}
