//! Interface strings in Korean and English. Content (scenario text, glossary) carries its own
//! `{ko, en}` pairs; this table is only the app's chrome. `cargo test --lib` proves every
//! string exists in both languages.

use std::fmt;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    Ko,
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().get(..2) {
            Some("ko") => Some(Lang::Ko),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// The browser's preferred languages, first match wins; English otherwise.
    pub fn from_preferences<'a>(prefs: impl IntoIterator<Item = &'a str>) -> Lang {
        prefs.into_iter().find_map(Lang::from_code).unwrap_or_default()
    }

    /// Picks this language's half of a `{ko, en}` pair.
    pub fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

// Each language's strings end to end, and where each one ends: a match over the strings
// compiles to tables of addresses and lengths (4 KB of wasm that brotli packs badly, #12).
macro_rules! strings {
    ($($key:ident => ($ko:literal, $en:literal)),* $(,)?) => {
        /// One interface string.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum S { $($key),* }
        const KO: (&str, &[u16]) = (concat!($($ko),*), &ends([$($ko.len()),*]));
        const EN: (&str, &[u16]) = (concat!($($en),*), &ends([$($en.len()),*]));
        impl S {
            pub const ALL: &'static [S] = &[$(S::$key),*];
            pub fn pair(self) -> (&'static str, &'static str) {
                (piece(KO, self as usize), piece(EN, self as usize))
            }
            pub fn t(self, lang: Lang) -> &'static str {
                piece(match lang { Lang::Ko => KO, Lang::En => EN }, self as usize)
            }
        }
    };
}

/// Where each of `lengths` ends when they are laid end to end.
const fn ends<const N: usize>(lengths: [usize; N]) -> [u16; N] {
    let (mut out, mut at, mut i) = ([0; N], 0, 0);
    while i < N {
        at += lengths[i];
        assert!(at <= u16::MAX as usize, "the interface strings outgrow u16 offsets");
        out[i] = at as u16;
        i += 1;
    }
    out
}

/// The `i`th of strings laid end to end in `all`.
fn piece((all, ends): (&'static str, &[u16]), i: usize) -> &'static str {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    all.get(start..ends[i] as usize).unwrap_or_default()
}

strings! {
    AppTitle => ("스케일 도장", "Scale Dojo"),
    Tagline => ("시뮬레이션 클러스터를 조정하고, 실행하고, 채점받으세요.", "Tune a simulated cluster, run it, get graded."),
    NavCatalog => ("시나리오", "Scenarios"),
    NavSandbox => ("샌드박스", "Sandbox"),
    NavCompare => ("비교", "Compare"),
    NavGlossary => ("용어집", "Glossary"),
    Language => ("언어", "Language"),
    Presenter => ("발표 모드", "Presenter"),
    SkipToContent => ("본문으로 건너뛰기", "Skip to content"),
    StatusNotTried => ("시도 안 함", "Not tried"),
    StatusFailed => ("실패", "Failed"),
    StatusPassed => ("통과", "Passed"),
    Best => ("최고 기록", "Best"),
    ObjectivesPassedOf => ("목표 달성", "objectives met"),
    Runs => ("실행 횟수", "runs"),
    Open => ("열기", "Open"),
    Story => ("상황", "The situation"),
    Objectives => ("목표", "Objectives"),
    Knobs => ("설정값", "Knobs"),
    Reference => ("허용 범위", "Allowed range"),
    Choices => ("선택지", "Choices"),
    Play => ("실행", "Play"),
    Pause => ("일시정지", "Pause"),
    Step => ("한 단계", "Step"),
    Reset => ("초기화", "Reset"),
    Speed => ("속도", "Speed"),
    SpeedMax => ("최대", "max"),
    Seed => ("시드", "Seed"),
    SimTime => ("시뮬레이션 시간", "Simulated time"),
    Charts => ("차트", "Charts"),
    ChartTraffic => ("트래픽 (요청/초)", "Traffic (requests/s)"),
    ChartLatency => ("응답 시간 (ms)", "Latency (ms)"),
    ChartPods => ("파드 (개수)", "Pods (count)"),
    ChartCpu => ("CPU 사용률 (%)", "CPU utilization (%)"),
    ChartCost => ("비용 ($/시간)", "Cost ($/hour)"),
    ChartVersions => ("버전별 트래픽 비율 (%)", "Traffic share per version (%)"),
    SeriesOffered => ("유입", "offered"),
    SeriesCompleted => ("처리", "completed"),
    SeriesFailed => ("실패", "failed"),
    SeriesPods => ("파드", "pods"),
    SeriesDesired => ("목표 파드", "desired pods"),
    SeriesReady => ("준비된 파드", "ready pods"),
    SeriesPending => ("대기 파드", "pending pods"),
    SeriesNodes => ("노드", "nodes"),
    SeriesCpu => ("CPU", "CPU"),
    SeriesCost => ("비용", "cost"),
    // Instruments: gauges, cluster view, scrubber, export.
    ChartNodes => ("노드 (개수)", "Nodes (count)"),
    ChartData => ("데이터베이스와 캐시 (%)", "Database and cache (%)"),
    ChartKeys => ("←/→ 키로 1초씩, Home/End로 처음과 끝", "←/→ move a second, Home/End to the start and end"),
    SeriesNotReadyPods => ("준비 안 된 파드", "pods not ready"),
    SeriesNodesReady => ("Ready 노드", "nodes ready"),
    SeriesNodesNotReady => ("준비 안 된 노드", "nodes not ready"),
    SeriesOccupancy => ("워커 점유율 (DB 대기 포함)", "worker occupancy (incl. waiting on the DB)"),
    SeriesCpuLive => ("CPU 사용/요청 (살아 있는 파드)", "CPU used / requested (live pods)"),
    SeriesDbPool => ("DB 연결 풀 사용률", "DB pool in use"),
    SeriesDbWait => ("DB 연결 대기 p99", "DB connection wait p99"),
    SeriesCacheHit => ("캐시 적중률", "cache hit ratio"),
    Gauges => ("계기판", "Gauges"),
    GaugeP99 => ("p99 응답 시간", "p99 latency"),
    ScrubTo => ("되감기", "Look back to"),
    ScrubLatest => ("최신으로", "Latest"),
    ZoomMinute => ("이 1분을 요청 단위로 다시 보기", "Replay this minute request by request"),
    ZoomTitle => ("요청 단위 다시 보기", "Request-by-request replay"),
    ZoomBack => ("흐름 실행으로 돌아가기", "Back to the flow run"),
    ZoomAnswered => ("응답한 요청", "Requests answered"),
    ZoomFailed => ("실패한 요청", "Requests failed"),
    ClusterView => ("클러스터", "Cluster"),
    LoadBalancer => ("로드 밸런서", "Load balancer"),
    Pods => ("파드", "Pods"),
    Nodes => ("노드", "Nodes"),
    Zone => ("영역", "zone"),
    Cache => ("캐시", "Cache"),
    Database => ("데이터베이스", "Database"),
    DbWaiting => ("대기", "waiting"),
    Memory => ("메모리", "memory"),
    Queue => ("대기열", "queue"),
    NodeProvisioning => ("프로비저닝 중", "provisioning"),
    NodeReady => ("Ready 상태", "Ready"),
    NodeDraining => ("비우는 중", "draining"),
    NodeDead => ("다운", "down"),
    PodPending => ("대기 (Pending)", "Pending"),
    PodStarting => ("시작 중", "starting"),
    PodCrashLoop => ("재시작 대기 (CrashLoopBackOff)", "CrashLoopBackOff"),
    PodReady => ("준비됨", "ready"),
    PodUnreachable => ("응답 없음 (노드 다운)", "unreachable (node down)"),
    PodTerminating => ("종료 중", "terminating"),
    Export => ("내보내기", "Export"),
    ExportReport => ("실행 보고서 (Markdown)", "Run report (Markdown)"),
    Scenario => ("시나리오", "Scenario"),
    Target => ("목표", "Target"),
    CompareTwo => ("두 설정 비교", "Compare two configurations"),
    Differences => ("차이", "Differences"),
    Percentile => ("백분위", "Percentile"),
    AxisTime => ("시간 (분:초)", "time (mm:ss)"),
    EventLog => ("이벤트 로그", "Event log"),
    EventLogEmpty => ("아직 이벤트가 없습니다.", "No events yet."),
    EventMarked => ("차트에 표시됨", "marked on the charts"),
    Grade => ("채점 결과", "Grade"),
    Passed => ("통과", "passed"),
    Failed => ("실패", "failed"),
    Pending => ("진행 중", "pending"),
    Measured => ("측정값", "measured"),
    Why => ("원인", "Why"),
    Hint => ("힌트", "Hint"),
    Questions => ("후속 질문", "Follow-up questions"),
    ShowAnswer => ("해설 보기", "Show the explanation"),
    Summary => ("요약", "Summary"),
    Availability => ("가용성", "Availability"),
    Requests => ("요청", "Requests"),
    AllPassed => ("모든 목표를 달성했습니다!", "Every objective met!"),
    SomeFailed => ("달성하지 못한 목표가 있습니다. 설정값을 바꿔 다시 실행해 보세요.", "Some objectives were missed. Change the knobs and run again."),
    CopyLink => ("링크 복사", "Copy link"),
    LinkCopied => ("링크를 복사했습니다", "Link copied"),
    ShareLink => ("공유 링크", "Share link"),
    BackToCatalog => ("시나리오 목록으로", "Back to the scenarios"),
    Reload => ("새로고침", "Reload"),
    ErrorTitle => ("문제가 발생했습니다", "Something went wrong"),
    Notice => ("알림", "Notice"),
    Dismiss => ("닫기", "Dismiss"),
    NoticeUrlDropped => ("링크의 일부 값을 사용할 수 없어 건너뜁니다", "Some of the link's settings could not be used and were skipped"),
    NoticeUrlVersion => ("다른 버전의 링크입니다. 기본값을 사용합니다.", "The link is from another version; using the defaults."),
    NoticeUnknownScenario => ("링크의 시나리오를 찾을 수 없습니다.", "The scenario in the link was not found."),
    NoticeProgressSalvaged => ("저장된 진행 기록이 손상되었습니다. 원본은 {key}에 보관했고, 읽을 수 있는 결과 {n}개를 복구했습니다.",
        "Saved progress was damaged: the original is kept under {key}, and {n} readable results were recovered."),
    NoticeProgressNoBackup => ("저장된 진행 기록이 손상되었고 백업할 수 없어, 이 탭은 그 기록을 덮어쓰지 않습니다.",
        "Saved progress is damaged and could not be backed up: this tab will not write over it."),
    NoticeProgressNewer => ("더 새로운 버전의 스케일 도장이 저장한 진행 기록입니다. 보여 주기만 하고 이 페이지에서는 바꾸지 않습니다.",
        "Progress was saved by a newer version of Scale Dojo: it is shown, but this page will not change it."),
    NoticeProgressWriteFailed => ("결과를 저장하지 못했습니다(브라우저 저장 공간이 가득 찼거나 막혀 있습니다). 이 탭을 열어 둔 동안은 유지됩니다.",
        "Your result could not be saved (the browser's storage is full or blocked); it is kept while this tab stays open."),
    NoticeKnobClamped => ("허용 범위를 벗어난 값을 조정했습니다", "A value outside the allowed range was adjusted"),
    NoticeKnobRejected => ("링크의 설정값을 사용할 수 없어 기본값을 씁니다", "A knob in the link could not be used; using its default"),
    SandboxIntro => ("모든 설정값을 자유롭게 바꿔 보세요. 목표도 채점도 없습니다.", "Every knob, no objectives, no grade: try things."),
    SandboxBase => ("기반 시나리오", "Based on"),
    CompareIntro => ("같은 시드, 두 가지 설정을 나란히 비교합니다.", "Same seed, two configurations side by side."),
    ConfigA => ("설정 A", "Configuration A"),
    ConfigB => ("설정 B", "Configuration B"),
    RunBoth => ("둘 다 실행", "Run both"),
    GlossaryIntro => ("강의에서 쓰는 용어", "The lecture's terms"),
    Search => ("검색", "Search"),
    Shortcuts => ("단축키", "Keyboard shortcuts"),
    ShortcutPlay => ("실행 / 일시정지", "play / pause"),
    ShortcutStep => ("한 단계 진행", "step"),
    ShortcutReset => ("초기화", "reset"),
    ShortcutHelp => ("단축키 보기", "show shortcuts"),
    ShortcutFaults => ("장애 주입 (발표 모드)", "inject a fault (presenter mode)"),
    Close => ("닫기", "Close"),
    Faults => ("장애 주입", "Inject a fault"),
    FaultKillPod => ("파드 종료", "Kill a pod"),
    FaultKillNode => ("노드 종료", "Kill a node"),
    FaultSpike => ("트래픽 급증", "Traffic spike"),
    FaultSlowDb => ("의존성 지연", "Slow dependency"),
    FaultCacheFlush => ("캐시 비우기", "Flush the cache"),
    Rollback => ("롤백", "Roll back"),
    NoticeTooManyActions => ("링크에 실시간 조작이 {given}개 있습니다. 한 번의 실행에는 시간 순으로 처음 {max}개만 적용합니다.",
        "The link has {given} live actions; a run takes the first {max} in time order."),
    NoticeActionCap => ("한 번의 실행에는 실시간 조작을 {max}개까지만 할 수 있습니다. 초기화하면 다시 할 수 있습니다.",
        "A run takes at most {max} live actions; reset to start over."),
    NoticeActionRefused => ("실시간 조작을 적용할 수 없습니다", "A live action could not be applied"),
    NoticeUrlAction => ("링크의 실시간 조작 하나를 읽을 수 없어 건너뜁니다.", "A live action in the link could not be read; it is skipped."),
    NoticeReleaseRefused => ("배포할 수 없습니다", "The release was refused"),
    Release => ("릴리스", "Release"),
    ReleaseVersion => ("버전", "Version"),
    ReleaseStrategyLabel => ("배포 전략", "Strategy"),
    ReleaseFirstWeight => ("카나리 첫 가중치", "Canary first weight"),
    ReleaseMaxErrorRate => ("분석: 최대 에러율", "Analysis: max error rate"),
    ReleaseShip => ("지금 배포", "Ship now"),
    ReleaseRunning => ("실행 중인 버전", "Running version"),
    ReleaseOutcome => ("결과", "Outcome"),
    BlastRadius => ("피해 범위(실패한 요청)", "Blast radius (failed requests)"),
    Exposed => ("새 버전이 받은 요청", "Requests to the new version"),
    TimeToDetect => ("감지까지", "Time to detect"),
    TimeToRollback => ("롤백까지", "Time to roll back"),
    ReleaseServing => ("지금 트래픽을 받는 버전", "Serving now"),
    Loading => ("불러오는 중…", "Loading…"),
    ScenarioLoadFailed => ("시나리오를 불러오지 못했습니다. 연결을 확인하고 다시 시도하세요. 링크의 설정과 진행 기록은 그대로입니다.", "The scenario could not be loaded. Check the connection and try again; the link's settings and your progress are kept."),
    GlossaryLoadFailed => ("용어집을 불러오지 못했습니다. 연결을 확인하고 다시 시도하세요.", "The glossary could not be loaded. Check the connection and try again."),
    TryAgain => ("다시 시도", "Try again"),
    Finished => ("완료", "finished"),
    Running => ("실행 중", "running"),
    Paused => ("일시정지됨", "paused"),
    Ready => ("준비됨", "ready"),
    ScenarioInvalid => ("이 시나리오 파일에 오류가 있습니다", "This scenario file has errors"),
    ChapterScaling => ("확장 (스케일 업과 스케일 아웃)", "Scaling (scale up vs scale out)"),
    ChapterAvailability => ("가용성", "Availability"),
    ChapterLoad => ("부하와 부하 관리", "Load and managing it"),
    ChapterOrchestration => ("오케스트레이션과 셀프 힐링", "Orchestration and self-healing"),
    ChapterAutoscaling => ("오토스케일링", "Autoscaling"),
    ChapterDeployment => ("배포 전략", "Deployment strategies"),
    ChapterTesting => ("부하 테스트와 운영", "Load testing and operations"),
    ChapterCicd => ("CI/CD", "CI/CD"),
    OpenInApp => ("스케일 도장에서 열기", "Open in Scale Dojo"),
    GoToGrade => ("채점 결과로 이동", "Go to the grade"),
    RunDetails => ("재현 정보", "Run details"),
    Digest => ("결과 지문(다이제스트)", "Result fingerprint (digest)"),
    StoryToggle => ("상황 펼치기/접기", "Show or hide the situation"),
    Cues => ("큐 목록", "Cue list"),
    CueNext => ("다음 큐", "Next cue"),
    CueNone => ("링크에 기록된 조작이 없습니다. 리허설 중 누른 장애와 릴리스가 여기에 순서대로 나옵니다.", "No actions recorded in the link. Faults and releases fired in a rehearsal appear here in order."),
    ShortcutCue => ("다음 큐 실행 (발표 모드)", "fire the next cue (presenter mode)"),
    ShortcutBack => ("닫기, 요청 단위 재생에서 돌아가기", "close a dialog, leave the request-by-request replay"),
    CueDone => ("완료", "done"),
    UnitRps => ("요청/초", "req/s"),
    LiveActionMarked => ("실시간 조작이 모든 차트에 표시되었습니다", "Live action marked on every chart"),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_string_exists_in_both_languages() {
        for s in S::ALL {
            let (ko, en) = s.pair();
            assert!(!ko.trim().is_empty(), "{s:?} has no Korean text");
            assert!(!en.trim().is_empty(), "{s:?} has no English text");
        }
    }

    #[test]
    fn korean_strings_are_korean() {
        // A copy-pasted English string in the Korean column is a missing translation.
        let untranslated: Vec<_> = S::ALL
            .iter()
            .filter(|s| {
                let (ko, en) = s.pair();
                ko == en && ko.chars().any(|c| c.is_ascii_alphabetic()) && !matches!(s, S::ChapterCicd | S::SeriesCpu)
            })
            .collect();
        assert!(untranslated.is_empty(), "untranslated: {untranslated:?}");
    }

    #[test]
    fn placeholders_are_the_same_in_both_languages() {
        let holes = |t: &str| {
            let mut h: Vec<String> = t.split('{').skip(1).filter_map(|r| r.split_once('}')).map(|(name, _)| name.to_string()).collect();
            h.sort();
            h
        };
        for s in S::ALL {
            let (ko, en) = s.pair();
            assert_eq!(holes(ko), holes(en), "{s:?}");
        }
    }

    #[test]
    fn browser_preferences_pick_the_language() {
        assert_eq!(Lang::from_preferences(["ko-KR", "en-US"]), Lang::Ko);
        assert_eq!(Lang::from_preferences(["fr-FR", "en-GB"]), Lang::En);
        assert_eq!(Lang::from_preferences(["de"]), Lang::En);
        assert_eq!(Lang::from_preferences([]), Lang::En);
    }
}
