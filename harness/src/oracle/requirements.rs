//! RFC 9293's requirement table (Appendix B, with the body sentence of each label), embedded
//! so that a verdict can name and quote the requirement it rests on. The file is a copy of
//! `../shared/rfc/rfc9293-requirements.tsv` kept in the repository (`harness/data/`).

use std::sync::OnceLock;

const TSV: &str = include_str!("../../data/rfc9293-requirements.tsv");

/// One row of the table. Some IDs label more than one row (e.g. MUST-15 for IPv4 and IPv6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// `MUST-13`, `SHLD-19`, `MAY-12`, `REC-1`.
    pub id: &'static str,
    /// The level as Appendix B's table states it (`MUST`, `MUST NOT`, `SHOULD`, …).
    pub level: &'static str,
    /// The section(s) of RFC 9293 it appears in.
    pub sections: &'static str,
    /// Appendix B's group ("Closing Connections", …).
    pub group: &'static str,
    /// Appendix B's short feature text.
    pub feature: &'static str,
    /// The sentence of the body carrying the label.
    pub text: &'static str,
}

/// Every row, in file order.
pub fn all() -> &'static [Requirement] {
    static TABLE: OnceLock<Vec<Requirement>> = OnceLock::new();
    TABLE.get_or_init(|| {
        TSV.lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split('\t');
                Some(Requirement {
                    id: f.next()?.trim(),
                    level: f.next()?.trim(),
                    sections: f.next()?.trim(),
                    group: f.next()?.trim(),
                    feature: f.next()?.trim(),
                    text: f.next().unwrap_or("").trim(),
                })
            })
            .filter(|r| !r.id.is_empty())
            .collect()
    })
}

/// The first row labelled `id`.
pub fn lookup(id: &str) -> Option<&'static Requirement> {
    all().iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_complete_and_findable() {
        let t = all();
        assert!(t.len() >= 120, "{} rows", t.len());
        let r = lookup("MUST-13").expect("MUST-13");
        assert_eq!(r.sections, "3.6.1");
        assert!(r.feature.contains("TIME-WAIT"), "{r:?}");
        assert_eq!(lookup("MUST-40").map(|r| r.level), Some("MUST"));
        assert!(lookup("MUST-99").is_none());
        assert!(t.iter().all(|r| r.id.contains('-') && !r.level.is_empty()));
    }
}
