//! Counterfactual (invariance) tests, CheckList-style: swap identity terms in a text (gendered
//! words, first names by gender, or the user's own pairs) and measure how the prediction moves.
//! Engine-free: the swap lists, the swap itself, templates, and the report computed from the
//! class probabilities of each original and swapped text (the shells run the model).
//!
//! Every swap list is a bijection, so swapping twice gives the original text back, case kept
//! (lower, Title or UPPER; a word in mixed case is left alone). The one word with two
//! counterparts is `her` (`him` or `his`): it is resolved by the word after it — a following
//! word that is not a function word makes it possessive (`her book` → `his book`), anything
//! else (`saw her.`, `gave her the`) an object (`him`); the same rule reads `his` (`his book`
//! → `her book`, `is his.` → `is hers.`). A swap whose result would read back differently
//! (`gave him money` → `her money` would come back as `his money`) is not made: the word is
//! left and counted as ambiguous.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// Gendered word pairs (the pronouns `he/she`, `him/his/her/hers` are handled apart).
const GENDERED: &[(&str, &str)] = &[
    ("he", "she"),
    ("himself", "herself"),
    ("man", "woman"),
    ("men", "women"),
    ("boy", "girl"),
    ("boys", "girls"),
    ("father", "mother"),
    ("fathers", "mothers"),
    ("son", "daughter"),
    ("sons", "daughters"),
    ("brother", "sister"),
    ("brothers", "sisters"),
    ("husband", "wife"),
    ("husbands", "wives"),
    ("king", "queen"),
    ("kings", "queens"),
    ("prince", "princess"),
    ("princes", "princesses"),
    ("uncle", "aunt"),
    ("uncles", "aunts"),
    ("nephew", "niece"),
    ("nephews", "nieces"),
    ("grandfather", "grandmother"),
    ("grandson", "granddaughter"),
    ("dad", "mom"),
    ("dads", "moms"),
    ("daddy", "mommy"),
    ("gentleman", "lady"),
    ("gentlemen", "ladies"),
    ("mr", "ms"),
    ("sir", "madam"),
    ("male", "female"),
    ("males", "females"),
    ("boyfriend", "girlfriend"),
    ("boyfriends", "girlfriends"),
    ("actor", "actress"),
    ("actors", "actresses"),
    ("hero", "heroine"),
    ("heroes", "heroines"),
    ("groom", "bride"),
    ("masculine", "feminine"),
    ("widower", "widow"),
    ("waiter", "waitress"),
    ("businessman", "businesswoman"),
    ("chairman", "chairwoman"),
    ("spokesman", "spokeswoman"),
    ("policeman", "policewoman"),
    ("stepfather", "stepmother"),
    ("stepson", "stepdaughter"),
    ("schoolboy", "schoolgirl"),
];

/// Words after which `her`/`his` is not a possessive: function words and the pronouns
/// themselves (closed under the swap, so a swap never changes how a neighbour reads).
const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "my", "your", "our", "their", "its", "his",
    "her", "hers", "him", "he", "she", "himself", "herself", "me", "us", "them", "it", "i", "you",
    "we", "they", "to", "in", "on", "at", "for", "with", "from", "by", "of", "about", "into",
    "onto", "over", "under", "after", "before", "up", "down", "out", "off", "through", "and", "or",
    "but", "so", "than", "as", "because", "if", "when", "while", "is", "was", "are", "were", "be",
    "been", "am", "has", "have", "had", "do", "did", "does", "will", "would", "can", "could",
    "should", "may", "might", "must", "not", "very", "too", "also", "again", "back", "now", "then",
    "there", "here", "just", "really", "s", "t",
];

/// First names that are also common English words: never swapped (a lowercased text would
/// turn "will" and "may" into names).
const WORD_NAMES: &[&str] = &[
    "will",
    "bill",
    "mark",
    "may",
    "june",
    "april",
    "august",
    "rose",
    "grace",
    "hope",
    "faith",
    "joy",
    "dawn",
    "summer",
    "autumn",
    "ray",
    "art",
    "pat",
    "sue",
    "don",
    "jack",
    "frank",
    "rich",
    "guy",
    "gay",
    "bob",
    "dean",
    "lee",
    "ivy",
    "iris",
    "lily",
    "daisy",
    "ruby",
    "pearl",
    "amber",
    "holly",
    "heather",
    "violet",
    "olive",
    "ginger",
    "candy",
    "honey",
    "sunny",
    "sky",
    "rain",
    "brook",
    "river",
    "gene",
    "jean",
    "penny",
    "angel",
    "chance",
    "chase",
    "chip",
    "cliff",
    "drew",
    "earl",
    "ernest",
    "gale",
    "glen",
    "grant",
    "hunter",
    "jay",
    "jewel",
    "kitty",
    "lane",
    "major",
    "miles",
    "norm",
    "page",
    "paris",
    "price",
    "reed",
    "rob",
    "rod",
    "rusty",
    "sandy",
    "sterling",
    "tab",
    "van",
    "wade",
    "ward",
    "win",
    "abbey",
    "belle",
    "bliss",
    "bonnie",
    "charity",
    "cherry",
    "constance",
    "crystal",
    "destiny",
    "ebony",
    "fern",
    "hazel",
    "marina",
    "mercy",
    "misty",
    "patience",
    "prudence",
    "queen",
    "robin",
    "rosemary",
    "sage",
    "star",
    "stormy",
    "tempest",
    "trinity",
    "verity",
    "bud",
    "buck",
    "carol",
    "christian",
    "colt",
    "dale",
    "dell",
    "dick",
    "fay",
    "ford",
    "forest",
    "jimmy",
    "king",
    "lance",
    "lot",
    "mac",
    "marshal",
    "nick",
    "rex",
    "royal",
    "wolf",
    "hank",
    "ave",
    "sol",
];

/// Which list a swap uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwapKind {
    /// Gendered words and pronouns.
    Gender,
    /// First names, female and male, paired.
    Names,
    /// The user's own two-column list.
    Custom,
}

/// A swap list: a bijection between words (lowercase), applied with case kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Swaps {
    /// Which list.
    pub kind: SwapKind,
    pairs: HashMap<String, String>,
    /// The pronouns `him`, `his`, `her`, `hers` are resolved by context (the gender list).
    pronouns: bool,
    /// The words are names: in a text with capitals, only a capitalised word is one.
    proper: bool,
}

/// One text swapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Swapped {
    /// The text with its terms swapped.
    pub text: String,
    /// Words changed.
    pub changed: usize,
    /// Words of the list left alone because their swap would not read back the same.
    pub ambiguous: usize,
}

/// How the next word reads, for `her`/`his`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Next {
    /// Punctuation or the end of the text follows.
    End,
    /// A function word follows.
    Function,
    /// Any other word follows (a noun, an adjective).
    Word,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Lower,
    Title,
    Upper,
}

fn case_of(word: &str) -> Option<Case> {
    let mut chars = word.chars();
    let first = chars.next()?;
    let rest: Vec<char> = chars.collect();
    let lower_rest = rest.iter().all(|c| !c.is_uppercase());
    if !first.is_uppercase() && lower_rest {
        Some(Case::Lower)
    } else if first.is_uppercase() && lower_rest && (!rest.is_empty() || word.len() == 1) {
        Some(Case::Title)
    } else if word.chars().all(|c| !c.is_lowercase()) {
        Some(Case::Upper)
    } else {
        None
    }
}

fn with_case(word: &str, case: Case) -> String {
    match case {
        Case::Lower => word.to_string(),
        Case::Upper => word.to_uppercase(),
        Case::Title => {
            let mut c = word.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// A text as alternating separators and words: `parts[0]` a separator, then word,
/// separator, … (a word is a run of letters and digits).
fn split_words(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut in_word = false;
    for c in text.chars() {
        let word_char = c.is_alphanumeric();
        if word_char != in_word {
            parts.push(String::new());
            in_word = word_char;
        }
        parts.last_mut().expect("one part").push(c);
    }
    if in_word {
        parts.push(String::new());
    }
    parts
}

impl Swaps {
    /// Gendered words and pronouns, both ways.
    pub fn gender() -> Self {
        Self::from_pairs(SwapKind::Gender, GENDERED.iter().copied(), true, false)
    }

    /// First names: female and male lists (one per line), names on both lists and names that
    /// are English words left out, paired alphabetically (the i-th of the shorter list with
    /// the ⌊i·long/short⌋-th of the longer), so each name has one counterpart.
    pub fn names(female: &str, male: &str) -> Self {
        let read = |list: &str| -> Vec<String> {
            let mut v: Vec<String> = list
                .lines()
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty() && l.chars().all(char::is_alphabetic))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let (f, m) = (read(female), read(male));
        let both: HashSet<&String> = f.iter().filter(|n| m.binary_search(n).is_ok()).collect();
        let keep = |v: &Vec<String>| -> Vec<String> {
            v.iter()
                .filter(|n| !both.contains(n) && !WORD_NAMES.contains(&n.as_str()))
                .cloned()
                .collect()
        };
        let (f, m) = (keep(&f), keep(&m));
        let (short, long, male_short) = match m.len() <= f.len() {
            true => (&m, &f, true),
            false => (&f, &m, false),
        };
        let pairs: Vec<(String, String)> = (0..short.len())
            .map(|i| {
                let other = long[i * long.len() / short.len().max(1)].clone();
                match male_short {
                    true => (short[i].clone(), other),
                    false => (other, short[i].clone()),
                }
            })
            .collect();
        Self::from_pairs(
            SwapKind::Names,
            pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())),
            false,
            true,
        )
    }

    /// The user's own pairs: a two-column file (comma or tab between the columns, one pair a
    /// line, `#` comments and blank lines skipped). Each word may occur once in the whole
    /// list; every other line is a problem named by its number.
    pub fn custom(text: &str) -> Result<Self, Vec<(usize, String)>> {
        let (mut pairs, mut problems, mut seen) = (Vec::new(), Vec::new(), HashMap::new());
        for (i, line) in text.lines().enumerate() {
            let (n, line) = (i + 1, line.trim());
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<String> = line
                .split([',', '\t'])
                .map(|c| c.trim().trim_matches('"').to_lowercase())
                .collect();
            let problem = match cells.as_slice() {
                [a, b] if a.is_empty() || b.is_empty() => Some("an empty word".to_string()),
                [a, b] if a == b => Some(format!("\"{a}\" is paired with itself")),
                [a, b] => [a, b]
                    .into_iter()
                    .find(|w| !w.chars().all(char::is_alphanumeric))
                    .map(|w| format!("\"{w}\" is not one word (letters and digits only)"))
                    .or_else(|| {
                        [a, b].into_iter().find_map(|w| {
                            seen.get(w)
                                .map(|at| format!("\"{w}\" is already paired on line {at}"))
                        })
                    }),
                _ => Some(format!(
                    "expected two words separated by a comma or a tab, found {} field(s)",
                    cells.len()
                )),
            };
            match problem {
                Some(p) => problems.push((n, p)),
                None => {
                    seen.insert(cells[0].clone(), n);
                    seen.insert(cells[1].clone(), n);
                    pairs.push((cells[0].clone(), cells[1].clone()));
                }
            }
        }
        if pairs.is_empty() && problems.is_empty() {
            problems.push((0, "no pairs in the file".into()));
        }
        match problems.is_empty() {
            true => Ok(Self::from_pairs(
                SwapKind::Custom,
                pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())),
                false,
                false,
            )),
            false => Err(problems),
        }
    }

    fn from_pairs<'a>(
        kind: SwapKind,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
        pronouns: bool,
        proper: bool,
    ) -> Self {
        let mut map = HashMap::new();
        for (a, b) in pairs {
            map.insert(a.to_string(), b.to_string());
            map.insert(b.to_string(), a.to_string());
        }
        Self {
            kind,
            pairs: map,
            pronouns,
            proper,
        }
    }

    /// Pairs in the list (each counted once).
    pub fn len(&self) -> usize {
        self.pairs.len() / 2 + if self.pronouns { 2 } else { 0 }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counterpart of a (lowercase) word, the next word read as `next`.
    fn counterpart(&self, word: &str, next: Next) -> Option<String> {
        if self.pronouns {
            let possessive = next == Next::Word;
            let pronoun = match word {
                "him" => Some("her"),
                "hers" => Some("his"),
                "his" if possessive => Some("her"),
                "his" => Some("hers"),
                "her" if possessive => Some("his"),
                "her" => Some("him"),
                _ => None,
            };
            if let Some(p) = pronoun {
                return Some(p.to_string());
            }
        }
        self.pairs.get(word).cloned()
    }

    /// Whether `word` is on the list (the pronouns included).
    pub fn contains(&self, word: &str) -> bool {
        let w = word.to_lowercase();
        self.pairs.contains_key(&w)
            || (self.pronouns && matches!(w.as_str(), "him" | "his" | "her" | "hers"))
    }

    /// The text with every listed word swapped for its counterpart, case kept.
    pub fn swap(&self, text: &str) -> Swapped {
        let mut parts = split_words(text);
        let cased = text.chars().any(char::is_uppercase);
        let (mut changed, mut ambiguous) = (0, 0);
        // Right to left, so each word sees the word after it as it will be written.
        for i in (1..parts.len()).step_by(2).rev() {
            let next = match parts.get(i + 2) {
                _ if parts[i + 1].chars().any(|c| ".,;:!?()\"".contains(c)) => Next::End,
                None => Next::End,
                Some(w) if FUNCTION_WORDS.contains(&w.to_lowercase().as_str()) => Next::Function,
                Some(_) => Next::Word,
            };
            let word = &parts[i];
            let Some(case) = case_of(word) else { continue };
            if self.proper && cased && case != Case::Title {
                continue;
            }
            let lower = word.to_lowercase();
            let Some(target) = self.counterpart(&lower, next) else {
                continue;
            };
            if self.counterpart(&target, next).as_deref() != Some(lower.as_str()) {
                ambiguous += 1;
                continue;
            }
            parts[i] = with_case(&target, case);
            changed += 1;
        }
        Swapped {
            text: parts.concat(),
            changed,
            ambiguous,
        }
    }

    /// Texts from templates with a `{name}` slot: each template filled with `per_template`
    /// names drawn (seeded) from the list, alternately from either side of a pair, so the
    /// swap of each filled text puts in the counterpart.
    pub fn fill_templates(
        &self,
        templates: &[String],
        per_template: usize,
        seed: u64,
    ) -> Vec<String> {
        let mut sides: Vec<&String> = self.pairs.keys().collect();
        sides.sort();
        if sides.is_empty() {
            return Vec::new();
        }
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for template in templates {
            for _ in 0..per_template {
                let name = sides[rng.below(sides.len())];
                let case = match self.proper {
                    true => Case::Title,
                    false => Case::Lower,
                };
                out.push(template.replace("{name}", &with_case(name, case)));
            }
        }
        out
    }
}

/// `text` swapped by each list in turn (names, then gendered words: "Mary said she…" becomes
/// "Mark said he…"), the words changed and left alone summed.
pub fn swap_each(lists: &[Swaps], text: &str) -> Swapped {
    lists.iter().fold(
        Swapped {
            text: text.to_string(),
            changed: 0,
            ambiguous: 0,
        },
        |done, swaps| {
            let s = swaps.swap(&done.text);
            Swapped {
                text: s.text,
                changed: done.changed + s.changed,
                ambiguous: done.ambiguous + s.ambiguous,
            }
        },
    )
}

/// How much one label's probability moved, over the changed examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelShift {
    /// Mean of |after − before|.
    pub mean_abs_shift: f64,
    /// Largest |after − before|.
    pub max_abs_shift: f64,
}

/// One original text and its swapped form, with both predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualPair {
    /// The text as given.
    pub original: String,
    /// With its terms swapped.
    pub swapped: String,
    /// The label predicted for the original.
    pub label_before: String,
    /// The label predicted for the swapped text.
    pub label_after: String,
    /// How the probability of `label_before` moved (after − before).
    pub shift: f64,
    /// Each label's probability for the original.
    pub before: Vec<f64>,
    /// Each label's probability for the swapped text.
    pub after: Vec<f64>,
}

/// What swapping did to the predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualReport {
    /// The swap list used.
    pub swap: SwapKind,
    /// The labels, in the order of the probabilities.
    pub labels: Vec<String>,
    /// Texts given (those without a swappable term are counted, not scored).
    pub examples: usize,
    /// Texts the swap changed (the ones scored).
    pub changed: usize,
    /// Changed texts whose predicted label flipped.
    pub flips: usize,
    /// `flips / changed` (0 when nothing changed).
    pub flip_rate: f64,
    /// Mean over changed texts of |shift| (the move of the originally predicted label).
    pub mean_abs_shift: f64,
    /// The largest |shift|.
    pub max_abs_shift: f64,
    /// Each label's probability move.
    pub by_label: BTreeMap<String, LabelShift>,
    /// Listed words left alone because their swap would not read back the same.
    pub ambiguous: usize,
    /// Every changed text, the largest |shift| first.
    pub pairs: Vec<CounterfactualPair>,
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

/// The report from the originals, their swaps, and the class probabilities of the changed
/// ones (`before[i]` and `after[i]` for the i-th text whose swap changed it, in order).
pub fn counterfactual_report(
    swap: SwapKind,
    labels: &[String],
    originals: &[String],
    swapped: &[Swapped],
    before: &[Vec<f32>],
    after: &[Vec<f32>],
) -> CounterfactualReport {
    let changed: Vec<(&String, &Swapped)> = originals
        .iter()
        .zip(swapped)
        .filter(|(_, s)| s.changed > 0)
        .collect();
    let mut pairs: Vec<CounterfactualPair> = changed
        .iter()
        .zip(before.iter().zip(after))
        .map(|((original, s), (b, a))| {
            let (lb, la) = (argmax(b), argmax(a));
            CounterfactualPair {
                original: original.to_string(),
                swapped: s.text.clone(),
                label_before: labels[lb].clone(),
                label_after: labels[la].clone(),
                shift: a[lb] as f64 - b[lb] as f64,
                before: b.iter().map(|&x| x as f64).collect(),
                after: a.iter().map(|&x| x as f64).collect(),
            }
        })
        .collect();
    pairs.sort_by(|x, y| y.shift.abs().total_cmp(&x.shift.abs()));
    let n = pairs.len();
    let mean = |v: Vec<f64>| {
        if n == 0 {
            0.0
        } else {
            v.iter().sum::<f64>() / n as f64
        }
    };
    let by_label = labels
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let moves: Vec<f64> = pairs
                .iter()
                .map(|p| (p.after[k] - p.before[k]).abs())
                .collect();
            let max = moves.iter().copied().fold(0.0, f64::max);
            let shift = LabelShift {
                mean_abs_shift: mean(moves),
                max_abs_shift: max,
            };
            (label.clone(), shift)
        })
        .collect();
    let flips = pairs
        .iter()
        .filter(|p| p.label_before != p.label_after)
        .count();
    CounterfactualReport {
        swap,
        labels: labels.to_vec(),
        examples: originals.len(),
        changed: n,
        flips,
        flip_rate: if n == 0 { 0.0 } else { flips as f64 / n as f64 },
        mean_abs_shift: mean(pairs.iter().map(|p| p.shift.abs()).collect()),
        max_abs_shift: pairs.first().map_or(0.0, |p| p.shift.abs()),
        by_label,
        ambiguous: swapped.iter().map(|s| s.ambiguous).sum(),
        pairs,
    }
}

impl CounterfactualReport {
    /// The result in one sentence.
    pub fn sentence(&self) -> String {
        if self.changed == 0 {
            return format!(
                "none of the {} texts has a term to swap: nothing measured",
                self.examples
            );
        }
        format!(
            "swapping changed {} of {} texts; the prediction flipped for {} ({:.1}%), and the predicted label's probability moved by {:.3} on average (at most {:.3})",
            self.changed,
            self.examples,
            self.flips,
            100.0 * self.flip_rate,
            self.mean_abs_shift,
            self.max_abs_shift
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gendered_words_swap_with_case_and_her_read_by_the_next_word() {
        let g = Swaps::gender();
        let s = g.swap("He gave her book to HIS Mother; she saw him.");
        assert_eq!(s.text, "She gave his book to HER Father; he saw her.");
        assert_eq!(
            g.swap("I saw her, and her dog.").text,
            "I saw him, and his dog."
        );
        assert_eq!(g.swap("The book is his.").text, "The book is hers.");
        let left = g.swap("They gave him money.");
        assert_eq!(
            (left.text.as_str(), left.ambiguous),
            ("They gave him money.", 1)
        );
        assert_eq!(g.swap("hE went").changed, 0, "mixed case is left alone");
    }

    #[test]
    fn names_pair_one_to_one_and_words_are_not_names() {
        let n = Swaps::names(
            "Mary\nAnna\nMay\nRobin\nBeth\n",
            "John\nPeter\nRobin\nWill\n",
        );
        // Robin is on both lists, May and Will are words: left out. Alphabetically, John pairs
        // with Anna and Peter with Beth; Mary is left without a counterpart.
        assert_eq!(n.swap("Peter met Anna.").text, "Beth met John.");
        assert_eq!(n.swap("Will may meet Robin or Mary.").changed, 0);
        // In a cased text only a capitalised word is a name; in a lowercased one, any word.
        assert_eq!(n.swap("peter met Anna").text, "peter met John");
        assert_eq!(n.swap("peter met anna").text, "beth met john");
    }

    #[test]
    fn a_custom_list_names_each_bad_line() {
        let e = Swaps::custom("black,white\nasian\nold,young,x\nwhite,grey\n\n# c\nbad word,x\n")
            .unwrap_err();
        let lines: Vec<usize> = e.iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![2, 3, 4, 7], "{e:?}");
        assert!(e[2].1.contains("already paired on line 1"), "{e:?}");
        let ok = Swaps::custom("black\twhite\nold,young\n").unwrap();
        assert_eq!(ok.swap("Old and White").text, "Young and Black");
    }

    /// Swapping twice gives the original, case kept, on random texts of listed words,
    /// function words, other words and punctuation — each list, and names and gendered words
    /// in turn.
    #[test]
    fn swapping_twice_gives_the_original_text() {
        let names = Swaps::names("Mary\nAnna\nBeth\nJoan\n", "Peter\nPaul\nHans\nOmar\n");
        let custom = Swaps::custom("black,white\nold,young\n").unwrap();
        let words = [
            "he", "she", "her", "him", "his", "hers", "herself", "the", "a", "book", "money",
            "man", "women", "to", "is", "Mr", "Ms", "Mary", "Peter", "paul", "black", "young",
            "king", "dog", "and",
        ];
        let seps = [" ", " ", " ", ", ", ". ", "'s ", " (", ") ", "-", "! "];
        let cases = [Case::Lower, Case::Title, Case::Upper];
        let mut rng = Rng::new(3);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..1 + rng.below(10) {
                let w = words[rng.below(words.len())];
                let w = match rng.below(4) {
                    0 => w.to_string(),
                    _ => with_case(&w.to_lowercase(), cases[rng.below(3)]),
                };
                text.push_str(&w);
                text.push_str(seps[rng.below(seps.len())]);
            }
            for list in [&Swaps::gender(), &names, &custom] {
                let once = list.swap(&text);
                let twice = list.swap(&once.text);
                assert_eq!(
                    twice.text, text,
                    "{:?}: {text:?} -> {:?}",
                    list.kind, once.text
                );
                assert_eq!(twice.changed, once.changed, "{text:?}");
            }
            // Names and gendered words together (`cda:both`).
            let both = [names.clone(), Swaps::gender()];
            let once = swap_each(&both, &text);
            let twice = swap_each(&both, &once.text);
            assert_eq!(twice.text, text, "both: {text:?} -> {:?}", once.text);
            let apart = names.swap(&text).changed + Swaps::gender().swap(&text).changed;
            assert_eq!(once.changed, apart, "{text:?}");
        }
    }

    #[test]
    fn the_report_counts_flips_and_sorts_by_shift() {
        let labels = vec!["neg".to_string(), "pos".to_string()];
        let texts: Vec<String> = ["he is fine", "no terms", "she is bad"]
            .map(String::from)
            .to_vec();
        let g = Swaps::gender();
        let swapped: Vec<Swapped> = texts.iter().map(|t| g.swap(t)).collect();
        let before = vec![vec![0.2, 0.8], vec![0.9, 0.1]];
        let after = vec![vec![0.6, 0.4], vec![0.85, 0.15]];
        let r = counterfactual_report(SwapKind::Gender, &labels, &texts, &swapped, &before, &after);
        assert_eq!((r.examples, r.changed, r.flips), (3, 2, 1));
        assert_eq!(r.flip_rate, 0.5);
        assert_eq!(r.pairs[0].original, "he is fine");
        assert_eq!(r.pairs[0].swapped, "she is fine");
        assert!((r.pairs[0].shift + 0.4).abs() < 1e-6);
        assert!((r.max_abs_shift - 0.4).abs() < 1e-6);
        assert!((r.mean_abs_shift - 0.225).abs() < 1e-6);
        assert!((r.by_label["pos"].max_abs_shift - 0.4).abs() < 1e-6);
    }

    #[test]
    fn templates_are_filled_from_both_sides_of_the_list() {
        let n = Swaps::names("Mary\nAnna\n", "Peter\nPaul\n");
        let t = n.fill_templates(&["{name} was at the restaurant.".to_string()], 20, 1);
        assert_eq!(t.len(), 20);
        assert!(t.iter().all(|x| n.swap(x).changed == 1), "{t:?}");
        let firsts: HashSet<&str> = t.iter().map(|x| x.split(' ').next().unwrap()).collect();
        assert_eq!(firsts.len(), 4, "{firsts:?}");
    }
}
