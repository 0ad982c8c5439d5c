/** Light and dark themes: follow the system until the shopper picks one; picking the system's own returns to it. */

import { useEffect, useState } from "react";

export type Theme = "light" | "dark";
type Preference = Theme | "system";

const KEY = "aya.theme";

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function readPreference(): Preference {
  const v = localStorage.getItem(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function useTheme(): { theme: Theme; followsSystem: boolean; toggle: () => void } {
  const [preference, setPreference] = useState<Preference>(readPreference);
  const [system, setSystem] = useState<Theme>(systemTheme);

  useEffect(() => {
    const media = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!media) return;
    const onChange = () => setSystem(media.matches ? "dark" : "light");
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, []);

  const theme = preference === "system" ? system : preference;

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);

  const toggle = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    const pref: Preference = next === system ? "system" : next;
    if (pref === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, pref);
    setPreference(pref);
  };

  return { theme, followsSystem: preference === "system", toggle };
}
