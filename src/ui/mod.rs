//! The Leptos interface. It never links burn: every computation is a message to the worker,
//! and the bridge ([`worker`]) puts every answer into the [`state`] area it concerns, which
//! that area's panel shows.
//!
//! Text from files, models and predictions is always inserted as text nodes (never as HTML),
//! so markup in someone's data shows as the characters it is.

mod address;
mod components;
mod download;
mod format;
mod panels;
mod state;
mod worker;

use leptos::prelude::*;

use crate::protocol::Backend;
use format::human_bytes;
use panels::{
    compare::ComparePanel, data::DataPanel, evaluate::EvaluatePanel, export::ExportPanel,
    inside::InsidePanel, model::ModelPanel, predict::PredictPanel, pretrain::PretrainPanel,
    search::SearchPanel, train::TrainPanel,
};
use state::{Areas, DeviceArea};

const THEME_KEY: &str = "anneal.theme";

fn set_theme(theme: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document())
        && let Some(root) = document.document_element()
    {
        let _ = root.set_attribute("data-theme", theme);
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(THEME_KEY, theme);
    }
}

fn initial_theme() -> String {
    let saved = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten());
    saved.unwrap_or_else(|| {
        let dark = web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches());
        if dark { "dark" } else { "light" }.into()
    })
}

#[component]
fn BackendInfo() -> impl IntoView {
    let device = expect_context::<DeviceArea>();
    view! {
        <p class="backend" data-testid="backend-info" role="status">
            {move || match device.backend.get() {
                None => "starting the compute worker…".to_string(),
                Some(b) if b.kind == Backend::WebGpu => format!(
                    "WebGPU · {}{}{} · max buffer {}",
                    b.adapter,
                    if b.is_fallback_adapter { " (software adapter: slow)" } else { "" },
                    if b.shader_f16 { " · f16" } else { "" },
                    human_bytes(b.max_buffer_size)
                ),
                Some(b) => format!("CPU · {}", b.adapter),
            }}
        </p>
    }
}

#[component]
fn App() -> impl IntoView {
    let areas = Areas::provide();
    let fatal = areas.device.fatal;
    let theme = RwSignal::new(initial_theme());
    Effect::new(move |_| set_theme(&theme.get()));
    worker::start(areas);
    view! {
        <header class="top">
            <div>
                <h1>"Anneal"</h1>
                <p class="tagline">"Fine-tune a transformer on your own GPU, in this tab. Nothing you add leaves your machine."</p>
            </div>
            <BackendInfo />
            <button class="theme" aria-label="switch between light and dark theme"
                on:click=move |_| theme.update(|t| *t = if t == "dark" { "light".into() } else { "dark".into() })>
                {move || if theme.get() == "dark" { "Light theme" } else { "Dark theme" }}
            </button>
        </header>
        <nav class="steps" aria-label="steps">
            <a href="#model">"1 Model"</a><a href="#data">"2 Data"</a><a href="#train">"3 Fine-tune"</a>
            <a href="#evaluate">"4 Evaluate"</a><a href="#predict">"5 Try it"</a><a href="#export">"6 Export"</a>
            <a href="#learn">"7 Learn"</a><a href="#inside">"8 Look inside"</a><a href="#worth">"9 Worth"</a><a href="#search">"10 Search"</a>
        </nav>
        {move || fatal.get().map(|message| view! {
            <div class="fatal" role="alert">
                <b>"The compute worker stopped. "</b>{message}
                <button on:click=move |_| fatal.set(None)>"Dismiss"</button>
            </div>
        })}
        <main>
            <ModelPanel />
            <DataPanel />
            <TrainPanel />
            <EvaluatePanel />
            <PredictPanel />
            <ExportPanel />
            <PretrainPanel />
            <InsidePanel />
            <ComparePanel />
            <SearchPanel />
        </main>
    }
}

/// Entry point of the `app` binary.
pub fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}
