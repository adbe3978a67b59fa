//! The page's address: its `?` parameters (`?backend=cpu`, `?autoload=0`, `?hub=...`), read by
//! the App, the bridge and the Model panel. A leaf, so that none of them imports another for it.

/// A parameter of the page's address, if it is there.
pub fn query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}
